package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.it.StandaloneCluster.ExecutorLog;
import dev.ember.it.StandaloneCluster.ExecutorProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 3 of issue #5: an executor JVM killed with SIGKILL in the middle of the embedding job.
 * Spark relaunches an executor and reruns the lost tasks; the output still holds every line exactly
 * once, with the same embeddings.
 */
@ExtendWith(SharedCluster.class)
class ExecutorKillIT {
  private static final int ROWS = 2000;
  private static final int PARTITIONS = 8;

  @Test
  @Timeout(value = 9, unit = TimeUnit.MINUTES)
  void jobSurvivesAnExecutorKilledMidJob(StandaloneCluster cluster) {
    EmbeddingOutput reference = LocalReference.of(cluster, ROWS);
    Path out = ItEnv.output("kill");
    String uiPort = StandaloneCluster.freePort();
    Submission.Running run =
        cluster
            .submission("kill-executor")
            .conf("spark.default.parallelism", Integer.toString(PARTITIONS))
            .conf("spark.ui.enabled", "true")
            .conf("spark.ui.port", uiPort)
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                out.toString(),
                "--output-format",
                "json")
            .start();
    String appId = run.awaitAppId(Duration.ofMinutes(2));
    // The driver's monitoring API, to see the job's progress from outside.
    DriverRest rest = new DriverRest(URI.create("http://127.0.0.1:" + uiPort), appId);

    // The embedding job (not zipWithIndex's line count) runs and has finished some tasks.
    DriverRest.Job job =
        Poll.until(
            () ->
                rest.jobs().stream()
                    .filter(
                        j -> j.status().equals("RUNNING") && !j.name().startsWith("zipWithIndex"))
                    .filter(j -> j.completedTasks() >= 2 && j.activeTasks() >= 1)
                    .findFirst(),
            Duration.ofMinutes(4),
            () -> "the embedding job never had 2 tasks done: " + rest.jobs());
    DriverRest.Executor busy =
        Poll.until(
            () ->
                rest.executors().stream()
                    .filter(e -> e.active() && e.activeTasks() > 0)
                    .findFirst(),
            Duration.ofMinutes(1),
            () -> "no executor runs a task: " + rest.executors());
    ExecutorProcess victim =
        cluster.executorProcesses(appId).stream()
            .filter(e -> e.executorId().equals(busy.id()))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no JVM for executor "
                            + busy.id()
                            + " among "
                            + cluster.executorProcesses(appId)));
    System.out.printf(
        "[ember-it] scenario 3: job %d '%s' at %d/%d tasks; SIGKILL to executor"
            + " %s (pid %d on worker %d)%n",
        job.id(),
        job.name(),
        job.completedTasks(),
        job.tasks(),
        victim.executorId(),
        victim.handle().pid(),
        victim.worker());
    assertTrue(victim.handle().destroyForcibly(), "SIGKILL refused");
    victim.handle().onExit().orTimeout(30, TimeUnit.SECONDS).join();

    SubmitResult r = run.await(Duration.ofMinutes(5));
    assertEquals(0, r.exitCode(), r::describe);
    assertTrue(r.stderr().contains("Lost executor " + victim.executorId()), r::describe);
    // The kill took a running task with it, which Spark ran again elsewhere.
    assertTrue(
        ExecutorLogs.matching(r.stderr(), "Lost task .*executor " + victim.executorId() + "\\)")
            > 0,
        r::describe);
    EmbeddingOutput o = EmbeddingOutput.read(out);
    o.assertEveryLineOnce(ItEnv.corpusLines().subList(0, ROWS));
    double lowest = o.assertMatches(reference, 0.9999);

    List<ExecutorLog> executors = cluster.executorLogs(appId);
    assertTrue(executors.size() >= 3, "no executor was relaunched: " + executors);
    for (ExecutorLog e : executors) {
      assertTrue(
          ExecutorLogs.lines(e.stderrText(), "Ember executor " + e.executorId() + " ready") <= 1,
          "plugin initialised twice in " + e.stderr());
    }
    System.out.printf(
        "[ember-it] scenario 3: %s finished with executors %s, lowest cosine" + " %.7f%n",
        appId, executors.stream().map(ExecutorLog::executorId).toList(), lowest);
    // TODO(#4): once the compile cache exists, assert that the kill left no partial entry in it.
    ItEnv.timing("scenario 3: kill -9 of an executor mid-job, " + ROWS + " lines", r.seconds());
  }
}
