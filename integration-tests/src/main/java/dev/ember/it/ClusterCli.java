package dev.ember.it;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code bin/ember cluster up|status|down}: the test harness's {@link StandaloneCluster} for a
 * person, its processes outliving this JVM; the state lives in {@code <dir>/cluster.properties}.
 *
 * <pre>{@code
 * ClusterCli up --root . --dir build/cluster [--workers 2] [--cores 1] [--memory 1536] [--gpus 0]
 * ClusterCli status --root . --dir build/cluster
 * ClusterCli down --root . --dir build/cluster
 * }</pre>
 */
public final class ClusterCli {
  private static final String USAGE =
      String.join(
          "\n",
          "usage: bin/ember cluster <command>",
          "  up [--workers N] [--cores C] [--memory MB] [--gpus ADDR,...]",
          "                 start a Master and N workers (default 2 of 1 core, 1536 MB) on"
              + " 127.0.0.1;",
          "                 --gpus gives each worker fake GPUs with these addresses (no GPU"
              + " needed)",
          "  status         the Master's workers and applications",
          "  submit ARGS    run the embedding job on the cluster (as 'bin/ember embed ARGS')",
          "  down           stop every process of the cluster (executors and drivers included)");

  private ClusterCli() {}

  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (IllegalArgumentException e) {
      System.err.println("ember cluster: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("ember cluster: " + e.getMessage());
      System.exit(1);
    }
  }

  static int run(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("no command");
    }
    Path root = null;
    Path dir = null;
    ClusterOptions options = ClusterOptions.defaults().detached();
    for (int i = 1; i < args.length; i++) {
      String flag = args[i];
      String value = i + 1 < args.length ? args[++i] : null;
      if (value == null) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      switch (flag) {
        case "--root" -> root = Path.of(value).toAbsolutePath().normalize();
        case "--dir" -> dir = Path.of(value).toAbsolutePath().normalize();
        case "--workers" -> options = options.withWorkers(positive(flag, value));
        case "--cores" -> options = options.withCores(positive(flag, value));
        case "--memory" -> options = options.withMemoryMb(positive(flag, value));
        case "--gpus" -> options = options.withFakeGpus(List.of(value.split(",")));
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (root == null || dir == null) {
      throw new IllegalArgumentException("--root and --dir are required");
    }
    return switch (args[0]) {
      case "up" -> up(root, dir, options);
      case "status" -> status(dir);
      case "down" -> down(dir);
      default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
    };
  }

  private static int up(Path root, Path dir, ClusterOptions options) {
    Properties state = state(dir);
    if (state != null
        && MasterState.read(java.net.URI.create(state.getProperty("master.webui"))).isPresent()) {
      System.out.println("ember cluster: already up at " + state.getProperty("master.url"));
      return status(dir);
    }
    if (state != null) {
      StandaloneCluster.stop(dir, workerPorts(state)); // what is left of a dead one
    }
    long t0 = System.nanoTime();
    StandaloneCluster cluster =
        StandaloneCluster.start(SparkRuntime.fromRepository(root), dir, options);
    System.out.printf("ember cluster: up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    System.out.println("  master   " + cluster.masterUrl() + "   web UI " + cluster.masterWebUi());
    for (StandaloneCluster.Worker w : cluster.workers()) {
      System.out.println(
          "  worker-"
              + w.index()
              + " "
              + w.url()
              + "   executor logs "
              + w.workDir()
              + "/<app>/<executor>/stderr");
    }
    System.out.println("  daemon logs " + dir.resolve("logs"));
    System.out.println("run a job:  bin/ember cluster submit --input F --output D [options]");
    System.out.println("stop it:    bin/ember cluster down");
    return 0;
  }

  private static int status(Path dir) {
    Properties state = state(dir);
    if (state == null) {
      System.out.println("ember cluster: no cluster in " + dir + " (bin/ember cluster up)");
      return 1;
    }
    var read = MasterState.read(java.net.URI.create(state.getProperty("master.webui")));
    if (read.isEmpty()) {
      System.out.println(
          "ember cluster: the Master at "
              + state.getProperty("master.url")
              + " does not answer; 'bin/ember cluster down' cleans up, then 'up' again");
      return 1;
    }
    MasterState s = read.get();
    System.out.println(
        "master " + s.url() + " " + s.status() + ", web UI " + state.getProperty("master.webui"));
    s.workers()
        .forEach(
            w ->
                System.out.println(
                    "  worker "
                        + w.host()
                        + ":"
                        + w.port()
                        + " "
                        + w.state()
                        + ", cores "
                        + w.coresUsed()
                        + "/"
                        + w.cores()
                        + " used"));
    s.apps().forEach(a -> System.out.println("  app " + a.id() + " " + a.name() + " " + a.state()));
    return 0;
  }

  private static int down(Path dir) {
    Properties state = state(dir);
    List<Integer> ports = state == null ? List.of() : workerPorts(state);
    List<ProcessHandle> left = StandaloneCluster.stop(dir, ports);
    if (!left.isEmpty()) {
      System.err.println(
          "ember cluster: could not end " + left.stream().map(ProcessTree::describe).toList());
      return 1;
    }
    StandaloneCluster.deleteJarCopies(dir);
    try {
      Files.deleteIfExists(dir.resolve("cluster.properties"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot delete " + dir.resolve("cluster.properties"), e);
    }
    System.out.println("ember cluster: down (no process of " + dir + " left); logs stay in " + dir);
    return 0;
  }

  private static Properties state(Path dir) {
    Path file = dir.resolve("cluster.properties");
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    return p;
  }

  private static List<Integer> workerPorts(Properties state) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 1; state.getProperty("worker." + i + ".port") != null; i++) {
      ports.add(Integer.parseInt(state.getProperty("worker." + i + ".port")));
    }
    return ports;
  }

  private static int positive(String flag, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(flag + " must be a positive integer, got '" + value + "'");
  }
}
