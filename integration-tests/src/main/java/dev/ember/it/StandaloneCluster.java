package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on this machine: one Master and N Workers, each its own JVM from
 * {@link SparkRuntime}'s jars, all on 127.0.0.1 with free ports; each Worker with its own work dir
 * (executor logs: {@code <work>/<appId>/<execId>/stderr}) and {@code SPARK_LOCAL_DIRS}.
 *
 * <pre>{@code
 * try (StandaloneCluster cluster =
 *     StandaloneCluster.start(spark, dir, ClusterOptions.defaults())) {
 *   SubmitResult r = cluster.submission("embed").jar(jobJar)
 *       .args("--input", in, "--output", out).run(Duration.ofMinutes(3));
 * }
 * }</pre>
 *
 * <p>{@link #close} ends every process the cluster started (executors and drivers included) and
 * throws if one survives; {@link ClusterOptions#killOnExit} adds a JVM shutdown hook doing the
 * same, and {@link #start} first ends processes left by a harness JVM that died without either.
 * Thread-safe.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** JVM flag naming the cluster folder, on every process the harness starts. */
  static final String CLUSTER_MARK = "-Dember.cluster=";

  /** JVM flag naming the pid of the JVM that owns the process, or {@code cli}. */
  static final String OWNER_MARK = "-Dember.cluster.owner=";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern MASTER_URL =
      Pattern.compile("Starting Spark master at (spark://\\S+)");
  private static final Pattern MASTER_UI = Pattern.compile("MasterWebUI.*started at (http://\\S+)");
  private static final Pattern WORKER_PORT =
      Pattern.compile("Starting Spark worker 127\\.0\\.0\\.1:(\\d+) ");
  private static final Pattern EXECUTOR_ID = Pattern.compile("--executor-id (\\S+)");
  private static final Pattern OWNER_PID = Pattern.compile(Pattern.quote(OWNER_MARK) + "(\\d+)");

  private final SparkRuntime spark;
  private final Path base;
  private final ClusterOptions options;
  private final SparkProcess master;
  private final String masterUrl;
  private final URI masterWebUi;
  private final List<Worker> workers;
  private final List<SparkProcess> submissions = new CopyOnWriteArrayList<>();
  private final Thread shutdownHook;
  private volatile boolean closed;

  /** A worker JVM and its folders; {@code port} is its RPC port, as executors name it. */
  public record Worker(int index, SparkProcess process, int port, Path workDir, Path localDir) {
    /** {@code spark://Worker@127.0.0.1:<port>}, which every executor of this worker names. */
    public String url() {
      return "spark://Worker@127.0.0.1:" + port;
    }
  }

  /** An executor's folder under its worker's work dir: {@code stderr} and {@code stdout}. */
  public record ExecutorLog(int worker, String executorId, Path dir) {
    public Path stderr() {
      return dir.resolve("stderr");
    }

    public String stderrText() {
      return SparkProcess.read(stderr());
    }
  }

  /** A running executor JVM, found among its worker's child processes. */
  public record ExecutorProcess(int worker, String executorId, ProcessHandle handle) {}

  private StandaloneCluster(
      SparkRuntime spark,
      Path base,
      ClusterOptions options,
      SparkProcess master,
      String masterUrl,
      URI masterWebUi,
      List<Worker> workers) {
    this.spark = spark;
    this.base = base;
    this.options = options;
    this.master = master;
    this.masterUrl = masterUrl;
    this.masterWebUi = masterWebUi;
    this.workers = List.copyOf(workers);
    if (options.killOnExit()) {
      shutdownHook = new Thread(this::closeQuietly, "ember-cluster-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  /**
   * Starts the Master, then the Workers, and returns once every Worker is registered and alive. On
   * any failure, ends what it started and throws with the logs' tails.
   */
  public static StandaloneCluster start(SparkRuntime spark, Path base, ClusterOptions options) {
    reapOrphans();
    List<SparkProcess> started = new ArrayList<>();
    try {
      Path conf = ClusterFiles.writeConf(base, options);
      List<String> marks = marks(base, options);
      SparkProcess master =
          daemon(
              spark,
              conf,
              base,
              "master",
              marks,
              spark.environment(conf),
              List.of(),
              "org.apache.spark.deploy.master.Master");
      started.add(master);
      String url = awaitLog(master, MASTER_URL);
      URI ui = URI.create(awaitLog(master, MASTER_UI));
      for (int i = 1; i <= options.workers(); i++) {
        started.add(startWorker(spark, conf, base, i, options, url));
      }
      List<Worker> workers = new ArrayList<>();
      for (int i = 1; i <= options.workers(); i++) {
        Path dir = base.resolve("worker-" + i);
        SparkProcess w = started.get(i);
        int port = Integer.parseInt(awaitLog(w, WORKER_PORT));
        workers.add(new Worker(i, w, port, dir.resolve("work"), dir.resolve("local")));
      }
      awaitState(
          ui,
          s -> s.aliveWorkers().size() == options.workers(),
          started,
          options.workers() + " alive workers",
          START_TIMEOUT);
      StandaloneCluster cluster =
          new StandaloneCluster(spark, base, options, master, url, ui, workers);
      ClusterFiles.writeState(cluster);
      return cluster;
    } catch (IOException e) {
      killQuietly(started);
      throw new UncheckedIOException("cannot start the cluster in " + base, e);
    } catch (RuntimeException | Error e) {
      killQuietly(started);
      throw e;
    }
  }

  private static SparkProcess startWorker(
      SparkRuntime spark, Path conf, Path base, int index, ClusterOptions options, String master)
      throws IOException {
    Path dir = base.resolve("worker-" + index);
    Path work = Files.createDirectories(dir.resolve("work"));
    Path local = Files.createDirectories(dir.resolve("local"));
    List<String> props = new ArrayList<>(marks(base, options));
    if (!options.fakeGpuAddresses().isEmpty()) {
      props.add("-Dspark.worker.resource.gpu.amount=" + options.fakeGpuAddresses().size());
      props.add(
          "-Dspark.worker.resource.gpu.discoveryScript=" + ClusterFiles.gpuDiscoveryScript(conf));
    }
    Map<String, String> env = new TreeMap<>(spark.environment(conf));
    env.put("SPARK_LOCAL_DIRS", local.toString()); // executors inherit it
    return daemon(
        spark,
        conf,
        dir,
        "worker-" + index,
        props,
        env,
        List.of(
            "--cores",
            Integer.toString(options.coresPerWorker()),
            "--memory",
            options.memoryPerWorkerMb() + "M",
            "--work-dir",
            work.toString(),
            master),
        "org.apache.spark.deploy.worker.Worker");
  }

  /** A Master or Worker JVM on loopback with free ports, logging to {@code <base>/logs}. */
  private static SparkProcess daemon(
      SparkRuntime spark,
      Path conf,
      Path workDir,
      String name,
      List<String> props,
      Map<String, String> env,
      List<String> extraArgs,
      String mainClass) {
    List<String> cmd = new ArrayList<>(spark.javaCommand(conf, "256m", props, mainClass));
    cmd.addAll(List.of("--host", "127.0.0.1", "--port", freePort(), "--webui-port", freePort()));
    cmd.addAll(extraArgs);
    return SparkProcess.start(name, cmd, env, workDir, conf.getParent().resolve("logs"));
  }

  public ClusterOptions options() {
    return options;
  }

  /** The JVM flags that mark a process as this cluster's, for {@link #stop} and the reaper. */
  List<String> marks() {
    return marks(base, options);
  }

  private static List<String> marks(Path base, ClusterOptions options) {
    return List.of(CLUSTER_MARK + base, OWNER_MARK + options.owner());
  }

  public SparkRuntime spark() {
    return spark;
  }

  /** {@code spark://127.0.0.1:<port>}. */
  public String masterUrl() {
    return masterUrl;
  }

  public URI masterWebUi() {
    return masterWebUi;
  }

  public Path base() {
    return base;
  }

  /** The Spark conf folder of every process ({@code log4j2.properties}). */
  public Path confDir() {
    return base.resolve("conf");
  }

  public List<Worker> workers() {
    return workers;
  }

  public SparkProcess master() {
    return master;
  }

  /** The Master's state now; throws if its web UI does not answer. */
  public MasterState state() {
    return MasterState.read(masterWebUi)
        .orElseThrow(
            () -> new IllegalStateException("the Master's web UI " + masterWebUi + " is silent"));
  }

  /**
   * A spark-submit to this cluster's Master in client mode, with the harness defaults ({@link
   * Submission#forCluster}); its process ends with the cluster at the latest.
   */
  public Submission submission(String name) {
    return Submission.forCluster(this, name);
  }

  void track(SparkProcess submission) {
    submissions.add(submission);
  }

  /** The executor folders of {@code appId} on every worker, by worker then executor id. */
  public List<ExecutorLog> executorLogs(String appId) {
    List<ExecutorLog> logs = new ArrayList<>();
    for (Worker w : workers) {
      Path appDir = w.workDir().resolve(appId);
      if (!Files.isDirectory(appDir)) {
        continue;
      }
      try (Stream<Path> dirs = Files.list(appDir)) {
        dirs.filter(Files::isDirectory)
            .sorted()
            .forEach(d -> logs.add(new ExecutorLog(w.index(), d.getFileName().toString(), d)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + appDir, e);
      }
    }
    return logs;
  }

  /**
   * Live executor JVMs of {@code appId}: descendants of the workers running {@code
   * CoarseGrainedExecutorBackend} for that application.
   */
  public List<ExecutorProcess> executorProcesses(String appId) {
    List<ExecutorProcess> found = new ArrayList<>();
    for (Worker w : workers) {
      w.process()
          .handle()
          .descendants()
          .forEach(
              p -> {
                String cmd = ProcessTree.commandLine(p).orElse("");
                Matcher id = EXECUTOR_ID.matcher(cmd);
                if (cmd.contains("CoarseGrainedExecutorBackend")
                    && cmd.contains("--app-id " + appId)
                    && id.find()) {
                  found.add(new ExecutorProcess(w.index(), id.group(1), p));
                }
              });
    }
    found.sort(Comparator.comparing(ExecutorProcess::executorId));
    return found;
  }

  /**
   * Ends every process of the cluster: submissions, workers (with their executors), the Master,
   * then anything still naming the cluster's folder or a worker's URL. Throws if a process
   * survives. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: this is the hook
      }
    }
    List<ProcessHandle> roots = new ArrayList<>();
    submissions.forEach(s -> roots.add(s.handle()));
    workers.forEach(w -> roots.add(w.process().handle()));
    roots.add(master.handle());
    List<ProcessHandle> left = new ArrayList<>(ProcessTree.killAll(roots, Duration.ZERO));
    left.addAll(stop(base, workers.stream().map(Worker::port).toList()));
    if (!left.isEmpty()) {
      throw new IllegalStateException(
          "StandaloneCluster "
              + base
              + ": processes survived: "
              + left.stream().map(ProcessTree::describe).toList());
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("ember cluster shutdown: " + e.getMessage());
    }
  }

  /**
   * Ends every process that names the cluster folder {@code base} or one of the worker ports
   * (executors name their worker's URL), asking first and killing after 5 s; returns the ones that
   * survived (none, normally). This is how {@code bin/ember cluster down} stops a cluster that
   * another JVM started.
   */
  public static List<ProcessHandle> stop(Path base, List<Integer> workerPorts) {
    List<String> marks = new ArrayList<>();
    marks.add(CLUSTER_MARK + base + " "); // the owner mark always follows
    workerPorts.forEach(p -> marks.add("spark://Worker@127.0.0.1:" + p + " "));
    List<ProcessHandle> found = ProcessTree.matching(marks);
    return found.isEmpty() ? List.of() : ProcessTree.killAll(found, Duration.ofSeconds(5));
  }

  /** Deletes the job-jar copies in the workers' work dirs under {@code base}, keeping logs. */
  public static void deleteJarCopies(Path base) {
    ClusterFiles.deleteJarCopies(base);
  }

  /**
   * Ends processes that a harness JVM started and then died without ending (killed by SIGKILL,
   * say): those whose owner mark names a pid that no longer runs.
   */
  static void reapOrphans() {
    for (ProcessHandle p : ProcessTree.matching(List.of(OWNER_MARK))) {
      Matcher m = OWNER_PID.matcher(ProcessTree.commandLine(p).orElse(""));
      if (m.find()
          && !ProcessHandle.of(Long.parseLong(m.group(1)))
              .map(ProcessHandle::isAlive)
              .orElse(false)) {
        System.err.println(
            "ember cluster: ending a process left by a dead harness: " + ProcessTree.describe(p));
        ProcessTree.kill(p, Duration.ZERO);
      }
    }
  }

  /** A port free on loopback now; Spark moves to the next one if it is taken meanwhile. */
  static String freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return Integer.toString(s.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  /** Waits for {@code pattern} in the process's stderr; returns its first group. */
  private static String awaitLog(SparkProcess p, Pattern pattern) {
    return Poll.until(
        () -> {
          Matcher m = pattern.matcher(p.stderrText());
          if (m.find()) {
            return Optional.of(m.group(1));
          }
          if (!p.isAlive()) {
            throw new IllegalStateException(
                p
                    + " exited with "
                    + p.waitFor(Duration.ZERO)
                    + " before logging '"
                    + pattern
                    + "':\n"
                    + SparkProcess.tail(p.stderr(), 40));
          }
          return Optional.<String>empty();
        },
        START_TIMEOUT,
        () ->
            p
                + " did not log '"
                + pattern
                + "' within "
                + START_TIMEOUT
                + ":\n"
                + SparkProcess.tail(p.stderr(), 40));
  }

  private static MasterState awaitState(
      URI ui,
      Predicate<MasterState> ok,
      List<SparkProcess> watched,
      String what,
      Duration timeout) {
    return Poll.until(
        () -> {
          for (SparkProcess p : watched) {
            if (!p.isAlive()) {
              throw new IllegalStateException(
                  p
                      + " exited while waiting for "
                      + what
                      + ":\n"
                      + SparkProcess.tail(p.stderr(), 40));
            }
          }
          return MasterState.read(ui).filter(ok);
        },
        timeout,
        () ->
            "the Master at "
                + ui
                + " did not show "
                + what
                + " within "
                + timeout
                + "; it shows "
                + MasterState.read(ui).map(Object::toString).orElse("nothing"));
  }

  private static void killQuietly(List<SparkProcess> ps) {
    ProcessTree.killAll(ps.stream().map(SparkProcess::handle).toList(), Duration.ZERO);
  }

  @Override
  public String toString() {
    return "StandaloneCluster " + masterUrl + " (" + workers.size() + " workers, " + base + ")";
  }
}
