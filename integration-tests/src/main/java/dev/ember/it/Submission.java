package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One {@code spark-submit}: Spark's own {@code org.apache.spark.deploy.SparkSubmit} in a JVM of its
 * own, as a user runs it, with the driver's output in files. Configure, then {@link #start} or
 * {@link #run}. Not thread-safe while configuring.
 *
 * <pre>{@code
 * SubmitResult r = cluster.submission("embed")
 *     .conf("spark.default.parallelism", "4")
 *     .jar(jobJar).mainClass("dev.ember.udfs.job.EmbedJob")
 *     .args("--input", in.toString(), "--output", out.toString())
 *     .run(Duration.ofMinutes(3));
 * assertEquals(0, r.exitCode(), r::describe);
 * }</pre>
 */
public final class Submission {
  /** Ember's embedding job, the main class of the shaded jar. */
  public static final String EMBED_JOB = "dev.ember.udfs.job.EmbedJob";

  private final SparkRuntime spark;
  private final Path confDir;
  private final Path dir;
  private final String name;
  private final List<String> marks;
  private final Consumer<SparkProcess> onStart;
  private final Map<String, String> conf = new LinkedHashMap<>();
  private String master;
  private String deployMode = "client";
  private String driverMemory = "1g";
  private Path jar;
  private String mainClass = EMBED_JOB;
  private List<String> args = List.of();

  private Submission(
      SparkRuntime spark,
      Path confDir,
      Path parent,
      String name,
      List<String> marks,
      Consumer<SparkProcess> onStart) {
    this.spark = spark;
    this.confDir = confDir;
    this.dir = uniqueDir(parent, name);
    this.name = dir.getFileName().toString();
    this.marks = List.copyOf(marks);
    this.onStart = onStart;
    conf("spark.driver.host", "127.0.0.1");
    conf("spark.driver.bindAddress", "127.0.0.1");
    conf("spark.ui.enabled", "false");
    conf("spark.plugins", "dev.ember.spark.EmberPlugin");
    conf("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf("spark.kryo.registrator", "dev.ember.spark.EmberKryoRegistrator");
  }

  /**
   * A client-mode submission to {@code cluster}'s Master, named {@code name} (made unique; the
   * Spark application gets the same name), in {@code <cluster>/submissions/<name>}; executors get
   * the workers' whole memory.
   */
  public static Submission forCluster(StandaloneCluster cluster, String name) {
    Submission s =
        new Submission(
            cluster.spark(),
            cluster.confDir(),
            cluster.base().resolve("submissions"),
            name,
            cluster.marks(),
            cluster::track);
    s.master = cluster.masterUrl();
    s.conf("spark.executor.memory", cluster.options().memoryPerWorkerMb() + "m");
    return s;
  }

  /**
   * A submission without a cluster ({@code local[2]}, say), in {@code <parent>/<name>}; its process
   * carries this JVM's owner mark, so a later harness ends it if this JVM dies.
   */
  public static Submission forMaster(
      SparkRuntime spark, Path confDir, Path parent, String name, String master) {
    Submission s =
        new Submission(
            spark,
            confDir,
            parent,
            name,
            List.of(StandaloneCluster.OWNER_MARK + ProcessHandle.current().pid()),
            p -> {});
    s.master = master;
    return s;
  }

  /** Sets a Spark or {@code spark.ember.*} setting ({@code --conf key=value}). */
  public Submission conf(String key, String value) {
    conf.put(key, value);
    return this;
  }

  /** {@code client} (default) or {@code cluster}, where a worker runs the driver. */
  public Submission deployMode(String mode) {
    this.deployMode = mode;
    return this;
  }

  public Submission driverMemory(String memory) {
    this.driverMemory = memory;
    return this;
  }

  public Submission jar(Path jar) {
    this.jar = jar;
    return this;
  }

  public Submission mainClass(String mainClass) {
    this.mainClass = mainClass;
    return this;
  }

  /** The application's own arguments, after the jar. */
  public Submission args(String... args) {
    this.args = List.of(args);
    return this;
  }

  /** The unique name: the application's name and the folder's. */
  public String name() {
    return name;
  }

  /** Folder of this submission: driver logs ({@code driver.out}, {@code driver.err}). */
  public Path dir() {
    return dir;
  }

  /** The full command line. */
  public List<String> command() {
    if (jar == null) {
      throw new IllegalStateException("Submission '" + name + "': no jar set");
    }
    List<String> extra = new ArrayList<>(marks);
    extra.add("-Dlog4j2.configurationFile=" + confDir.resolve("driver-log4j2.properties"));
    extra.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
    List<String> cmd =
        new ArrayList<>(
            spark.javaCommand(confDir, driverMemory, extra, "org.apache.spark.deploy.SparkSubmit"));
    cmd.addAll(List.of("--master", master, "--deploy-mode", deployMode, "--name", name));
    Map<String, String> all = new LinkedHashMap<>(conf);
    // Spark adds its own --add-opens to executors, not the Vector API module Ember's GEMM needs.
    all.putIfAbsent("spark.executor.extraJavaOptions", String.join(" ", spark.javaOptions()
        .stream().filter(o -> o.startsWith("--add-modules")).toList()));
    if (deployMode.equals("cluster")) {
      // A worker starts the driver's JVM: it needs the Java 17 flags and its memory there.
      all.putIfAbsent("spark.driver.extraJavaOptions", String.join(" ", spark.javaOptions()));
      all.putIfAbsent("spark.driver.memory", driverMemory);
      all.putIfAbsent("spark.standalone.submit.waitAppCompletion", "true");
    }
    all.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    cmd.addAll(List.of("--class", mainClass, jar.toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** Starts spark-submit and returns at once. */
  public Running start() {
    try {
      Files.createDirectories(dir.resolve("tmp"));
      Files.write(dir.resolve("command.txt"), List.of(String.join(" ", command())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    long start = System.nanoTime();
    SparkProcess p = SparkProcess.start("driver", command(), spark.environment(confDir), dir, dir);
    onStart.accept(p);
    return new Running(name, dir, p, start);
  }

  /** Starts spark-submit and waits for it ({@link Running#await}). */
  public SubmitResult run(Duration timeout) {
    return start().await(timeout);
  }

  /** A spark-submit that was started. */
  public static final class Running {
    private final String name;
    private final Path dir;
    private final SparkProcess process;
    private final long startNanos;

    Running(String name, Path dir, SparkProcess process, long startNanos) {
      this.name = name;
      this.dir = dir;
      this.process = process;
      this.startNanos = startNanos;
    }

    /** The submission's name (its folder's). */
    public String name() {
      return name;
    }

    /**
     * Waits until the driver logs its application id (client mode: the driver's log config shows
     * {@code StandaloneSchedulerBackend} at INFO); throws if spark-submit exits first.
     */
    public String awaitAppId(Duration timeout) {
      return Poll.until(
          () -> {
            String id = SubmitResult.appId(process.stderrText());
            if (id == null && !process.isAlive()) {
              throw new IllegalStateException(
                  "spark-submit '"
                      + name
                      + "' exited with "
                      + process.waitFor(Duration.ZERO)
                      + " before naming its application:\n"
                      + SparkProcess.tail(process.stderr(), 40));
            }
            return java.util.Optional.ofNullable(id);
          },
          timeout,
          () ->
              "spark-submit '"
                  + name
                  + "' named no application within "
                  + timeout
                  + ":\n"
                  + SparkProcess.tail(process.stderr(), 40));
    }

    public SparkProcess process() {
      return process;
    }

    /**
     * Waits up to {@code timeout} for spark-submit to exit; past it, ends the process tree and
     * returns a result with {@code timedOut} set. Never leaves the process running.
     */
    public SubmitResult await(Duration timeout) {
      Integer code = process.waitFor(timeout);
      boolean timedOut = code == null;
      if (timedOut) {
        process.killTree(Duration.ofSeconds(2));
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
      return new SubmitResult(
          name,
          timedOut ? -1 : code,
          timedOut,
          elapsed,
          process.stdoutText(),
          process.stderrText(),
          dir);
    }
  }

  private static Path uniqueDir(Path parent, String name) {
    try {
      Files.createDirectories(parent);
      for (int i = 1; ; i++) {
        Path d = parent.resolve(i == 1 ? name : name + "-" + i);
        try {
          return Files.createDirectory(d);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // try the next suffix
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a folder in " + parent, e);
    }
  }
}
