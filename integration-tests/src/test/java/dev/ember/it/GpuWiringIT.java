package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.it.StandaloneCluster.ExecutorLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 6 of issue #5, with issue #6's device choice: GPU wiring without a GPU. The workers
 * offer a fake GPU "0" (a discovery script that only prints it); the application asks one per
 * executor and per task. The executor plugin sees its address and probes CUDA device 0; finding
 * no usable CUDA it runs on the CPU under {@code spark.ember.device=auto}, logging why, and under
 * {@code cuda} fails executor start with DEVICE_UNAVAILABLE, which the driver turns into the job's
 * failure (fast, not a hang while the Master relaunches executors).
 */
@ExtendWith(SharedCluster.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GpuWiringIT {
  private static final int ROWS = 40;
  private static final String FALLBACK =
      " runs models on cpu: CUDA device from Spark gpu address 0 is not usable: ";

  /** Whether the auto run found no CUDA device (the fallback warning); null before it ran. */
  private static Boolean noCuda;

  @Test
  @Order(1)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void autoSeesTheGpuAddressAndFallsBackToTheCpu(StandaloneCluster cluster) {
    SubmitResult r =
        withGpus(cluster.submission("gpu-auto"))
            .args(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                ItEnv.output("gpu-auto").toString(),
                "--output-format",
                "json")
            .run(Duration.ofMinutes(3));
    assertEquals(0, r.exitCode(), r::describe);
    List<ExecutorLog> executors = cluster.executorLogs(r.appId());
    assertEquals(2, executors.size(), executors::toString);
    int fallbacks = 0;
    for (ExecutorLog e : executors) {
      String log = e.stderrText();
      assertEquals(
          1,
          ExecutorLogs.lines(log, "Ember executor " + e.executorId() + ": GPU addresses [0]"),
          e.stderr()::toString);
      fallbacks += (int) ExecutorLogs.lines(log, "Ember executor " + e.executorId() + FALLBACK);
      assertEquals(
          1,
          ExecutorLogs.lines(log, "Ember executor " + e.executorId() + " ready"),
          e.stderr()::toString);
    }
    noCuda = fallbacks == executors.size();
    System.out.println(
        "[ember-it] scenario 6 (auto): "
            + (noCuda
                ? "both executors logged GPU [0] and ran on the CPU, saying why"
                : "a CUDA device was found; no fallback"));
    ItEnv.timing("scenario 6: fake GPU, spark.ember.device=auto", r.seconds());
  }

  @Test
  @Order(2)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void cudaWithoutACudaDeviceFailsTheJobWithTheReason(StandaloneCluster cluster) {
    assumeTrue(noCuda == null || noCuda, "this machine has a CUDA device");
    SubmitResult r =
        withGpus(cluster.submission("gpu-cuda"))
            .conf("spark.ember.device", "cuda")
            .args(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                ItEnv.output("gpu-cuda").toString())
            .run(Duration.ofSeconds(120));
    BadInputsIT.assertFailedWith(
        r,
        "DEVICE_UNAVAILABLE",
        "spark.ember.device=cuda but CUDA device from Spark gpu address 0 is not usable: ");
    // The job's failure itself carries the code and the reason, not only a log line.
    assertTrue(
        r.stderr()
            .lines()
            .anyMatch(
                l -> l.startsWith("EmbedJob failed: ")
                    && l.contains("DEVICE_UNAVAILABLE")
                    && l.contains("is not usable: ")),
        r::describe);
    ItEnv.timing("scenario 6: fake GPU, spark.ember.device=cuda (fails)", r.seconds());
  }

  private static Submission withGpus(Submission s) {
    return s.conf("spark.executor.resource.gpu.amount", "1")
        .conf("spark.task.resource.gpu.amount", "1")
        .jar(ItEnv.jobJar());
  }
}
