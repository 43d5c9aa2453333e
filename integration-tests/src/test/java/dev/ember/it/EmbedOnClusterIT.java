package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.it.StandaloneCluster.ExecutorLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenarios 1 and 2 of issue #5, and cluster mode: Ember's embedding job submitted to a standalone
 * cluster of two workers, as users run it.
 */
@ExtendWith(SharedCluster.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbedOnClusterIT {
  private static final int ROWS = 2000;

  /** A folder of the compile cache (issue #4), by its name. */
  static final String CACHE_DIR_NAME = "(?i).*(ember|compile).*cache.*|.*cache.*ember.*";

  /** What scenario 1 saw, for the cache check after it. */
  private static Set<Path> localDirsSeen;

  /**
   * Scenario 1: 2,000 lines on two executors give every line exactly once, with the embeddings of a
   * local-mode run of the same jar, and each executor initialises the plugin (and loads the model)
   * exactly once although it runs several tasks.
   */
  @Test
  @Order(1)
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void twoExecutorsEmbedEveryLineOnceAsLocalModeDoes(StandaloneCluster cluster) {
    EmbeddingOutput reference = LocalReference.of(cluster, ROWS);
    Path out = ItEnv.output("cluster-" + ROWS);
    Submission submit =
        cluster
            .submission("embed-" + ROWS)
            .conf("spark.default.parallelism", "4") // two tasks per executor
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                out.toString(),
                "--output-format",
                "json");
    SubmitResult r;
    try (LocalDirWatcher watcher = LocalDirWatcher.start(cluster)) {
      r = submit.run(Duration.ofMinutes(5));
      localDirsSeen = watcher.seen();
    }
    assertEquals(0, r.exitCode(), r::describe);
    assertTrue(r.stdout().contains("Ember embedded " + ROWS + " rows"), r::describe);

    EmbeddingOutput o = EmbeddingOutput.read(out);
    o.assertEveryLineOnce(ItEnv.corpusLines().subList(0, ROWS));
    double lowest = o.assertMatches(reference, 0.9999);

    String appId = r.appId();
    List<ExecutorLog> executors = cluster.executorLogs(appId);
    assertEquals(2, executors.size(), "executors of " + appId + ": " + executors);
    assertEquals(
        Set.of(1, 2),
        Set.of(executors.get(0).worker(), executors.get(1).worker()),
        "one executor per worker");
    Map<String, Long> tasks = new TreeMap<>();
    for (ExecutorLog e : executors) {
      String log = e.stderrText();
      assertEquals(
          1,
          ExecutorLogs.lines(log, "Ember executor " + e.executorId() + " ready"),
          "plugin init lines in " + e.stderr());
      assertEquals(
          1, ExecutorLogs.lines(log, "Ember loaded model"), "model loads in " + e.stderr());
      long finished = ExecutorLogs.lines(log, "Finished task");
      assertTrue(finished >= 2, "executor " + e.executorId() + " ran " + finished + " tasks");
      tasks.put(e.executorId(), finished);
    }
    System.out.printf(
        "[ember-it] scenario 1: %s, %d rows, lowest cosine vs local[2] %.7f,"
            + " tasks per executor %s%n",
        appId, o.total(), lowest, tasks);
    System.out.println(
        "[ember-it] scenario 1: executors' local dirs (deleted by the Worker when"
            + " the app ends):");
    localDirsSeen.stream()
        .filter(p -> p.getFileName().toString().matches("executor-.*|blockmgr-.*"))
        .forEach(p -> System.out.println("[ember-it]   " + cluster.base().relativize(p)));
    ItEnv.timing("scenario 1: cluster run, " + ROWS + " lines, 2 executors", r.seconds());
  }

  /**
   * Scenario 1, compile cache: once issue #4's cache exists, it lies under each worker's local
   * dirs, outside the per-application folders that the Worker deletes when an application ends
   * (else no later submission could start warm).
   */
  @Test
  @Order(2)
  void compileCacheLiesUnderEachWorkersLocalDir(StandaloneCluster cluster) {
    assumeTrue(localDirsSeen != null, "scenario 1 did not run");
    List<Path> caches =
        localDirsSeen.stream()
            .filter(p -> p.getFileName().toString().matches(CACHE_DIR_NAME))
            .toList();
    assertFalse(
        caches.isEmpty(),
        "no compile cache folder (" + CACHE_DIR_NAME + ") appeared under the workers' local dirs: "
            + localDirsSeen);
    for (StandaloneCluster.Worker w : cluster.workers()) {
      List<Path> mine = caches.stream().filter(p -> p.startsWith(w.localDir())).toList();
      assertFalse(mine.isEmpty(), "no compile cache under " + w.localDir() + ": " + caches);
      assertTrue(
          mine.stream().anyMatch(Files::isDirectory),
          "the compile cache under "
              + w.localDir()
              + " was deleted when the application ended: "
              + mine
              + "; put it"
              + " outside the per-application spark-* folder");
    }
  }

  /**
   * Scenario 2: a second submission on the same cluster starts warm: its executors find every
   * variant in the compile cache and compile nothing.
   */
  @Test
  @Order(3)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void secondSubmissionStartsWarmFromTheCache(StandaloneCluster cluster) {
    int rows = 200;
    List<String> runs = List.of("cold", "warm");
    Map<String, List<ExecutorLog>> logs = new TreeMap<>();
    for (String run : runs) {
      Submission s =
          cluster
              .submission("cache-" + run)
              // Level 2: one general variant per executor, whatever rows it gets; 8 input
              // partitions so that both executors run tasks in both submissions.
              .conf("spark.ember.compile.level", "2")
              .conf("spark.default.parallelism", "8")
              .jar(ItEnv.jobJar())
              .args(
                  "--input",
                  ItEnv.firstLines(rows).toString(),
                  "--output",
                  ItEnv.output("cache-" + run).toString(),
                  "--output-format",
                  "json");
      SubmitResult r = s.run(Duration.ofMinutes(3));
      assertEquals(0, r.exitCode(), r::describe);
      logs.put(run, cluster.executorLogs(r.appId()));
      ItEnv.timing("scenario 2: " + run + " submission, " + rows + " lines", r.seconds());
    }
    long coldCompiles =
        logs.get("cold").stream()
            .mapToLong(e -> ExecutorLogs.lines(e.stderrText(), "Compiled "))
            .sum();
    assertTrue(coldCompiles > 0, "the first submission compiled nothing");
    for (ExecutorLog e : logs.get("warm")) {
      String log = e.stderrText();
      assertEquals(0, ExecutorLogs.lines(log, "Compiled "), "compiled again: " + e.stderr());
      assertTrue(ExecutorLogs.matching(log, "(?i)cache hit") > 0, "no cache hit: " + e.stderr());
    }
  }

  /**
   * Cluster mode: a worker runs the driver (Spark's DriverWrapper); spark-submit waits for it
   * ({@code spark.standalone.submit.waitAppCompletion}) and the driver's output lies in the
   * worker's {@code driver-*} folder.
   */
  @Test
  @Order(4)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void clusterModeRunsTheDriverOnAWorker(StandaloneCluster cluster) throws Exception {
    int rows = 200;
    Path out = ItEnv.output("cluster-mode");
    SubmitResult r =
        cluster
            .submission("cluster-mode")
            .deployMode("cluster")
            .driverMemory("768m")
            // The driver takes one worker's core and half its memory; the executor the other's.
            .conf("spark.executor.memory", "700m")
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                ItEnv.firstLines(rows).toString(),
                "--output",
                out.toString(),
                "--output-format",
                "json")
            .run(Duration.ofMinutes(4));
    assertEquals(0, r.exitCode(), r::describe);
    MasterState.Driver driver =
        cluster.state().drivers().stream()
            .max(java.util.Comparator.comparing(MasterState.Driver::id))
            .orElseThrow();
    assertEquals("FINISHED", driver.state(), driver::toString);
    Path driverDir =
        cluster.workers().stream()
            .map(w -> w.workDir().resolve(driver.id()))
            .filter(Files::isDirectory)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no folder of " + driver.id()));
    String driverOut = Files.readString(driverDir.resolve("stdout"));
    assertTrue(driverOut.contains("Ember embedded " + rows + " rows"), driverOut);
    EmbeddingOutput.read(out).assertEveryLineOnce(ItEnv.corpusLines().subList(0, rows));
    ItEnv.timing("cluster mode: " + rows + " lines, driver on a worker", r.seconds());
  }
}
