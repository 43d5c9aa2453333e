package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.it.StandaloneCluster.ExecutorLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #16: a model of {@code spark.ember.models} that cannot run fails the job fast with
 * Ember's code and message, instead of executors that die with "Command exited with code 1" and a
 * Master that relaunches them while the job waits.
 */
@ExtendWith(SharedCluster.class)
class ModelStartFailureIT {
  private static final Duration BOUND = Duration.ofSeconds(120);
  private static final int ROWS = 40;

  /** Garbage bytes as model.onnx: the driver reads the header and fails before any executor. */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void corruptModelFailsOnTheDriverBeforeAnyExecutorStarts(StandaloneCluster cluster)
      throws IOException {
    byte[] garbage = new byte[4096];
    new Random(16).nextBytes(garbage);
    Path dir = modelFolder("start-corrupt", garbage, tokenizerFromTheJar());
    SubmitResult r = submit(cluster, "start-corrupt", dir);
    BadInputsIT.assertFailedWith(
        r,
        "MODEL_INVALID: cannot read ONNX model '" + dir.resolve("model.onnx") + "'",
        "not a valid ONNX protobuf");
    // The driver failed while starting its SparkContext, so it never registered an application.
    assertNull(r.appId(), r::describe);
    ItEnv.timing("#16: corrupt model in spark.ember.models (driver)", r.seconds());
  }

  /**
   * A valid model whose tokenizer.json is not JSON: the driver's header check passes, the
   * executors fail to load it. Each executor is launched once and stays up; the first report
   * fails the job with the executor's code and message.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void modelThatFailsOnTheExecutorsFailsTheJobWithinOneLaunch(StandaloneCluster cluster)
      throws IOException {
    Path dir = modelFolder("start-bad-tokenizer", null, "{ not a tokenizer".getBytes(
        StandardCharsets.UTF_8));
    SubmitResult r = submit(cluster, "start-bad-tokenizer", dir);
    String reason = "failed to load model '" + dir + "' at start: MODEL_INVALID: tokenizer '"
        + dir.resolve("tokenizer.json") + "' is not a valid HuggingFace tokenizer.json";
    BadInputsIT.assertFailedWith(r, reason);
    assertTrue(
        r.stderr().lines().anyMatch(l -> l.startsWith("EmbedJob failed: ") && l.contains(reason)),
        r::describe);
    List<ExecutorLog> executors = cluster.executorLogs(r.appId());
    // One executor per worker at most, none relaunched: ids 0 and 1 only. The first report ends
    // the application, so the other executor may be stopped before it finishes loading.
    assertTrue(executors.size() <= 2, executors::toString);
    long reports = 0;
    for (ExecutorLog e : executors) {
      assertTrue(List.of("0", "1").contains(e.executorId()), executors::toString);
      long lines =
          ExecutorLogs.lines(e.stderrText(), "Ember executor " + e.executorId() + " failed to load");
      assertTrue(lines <= 1, e.stderr()::toString);
      reports += lines;
    }
    assertTrue(reports >= 1, executors::toString);
    ItEnv.timing("#16: model that fails on the executors", r.seconds());
  }

  private static SubmitResult submit(StandaloneCluster cluster, String name, Path model) {
    return cluster
        .submission(name)
        .conf("spark.ember.models", model.toString())
        .jar(ItEnv.jobJar())
        .args(
            "--input", ItEnv.firstLines(ROWS).toString(),
            "--output", ItEnv.output(name).toString())
        .run(BOUND);
  }

  /** A folder with model.onnx ({@code onnx}, or all-MiniLM-L6-v2 from the job jar if null). */
  private static Path modelFolder(String name, byte[] onnx, byte[] tokenizer) throws IOException {
    Path dir = Files.createDirectories(ItEnv.itDir().resolve(name));
    if (onnx != null) {
      Files.write(dir.resolve("model.onnx"), onnx);
    } else {
      try (ZipFile jar = new ZipFile(ItEnv.jobJar().toFile());
          InputStream model = jar.getInputStream(jar.getEntry("all-minilm-l6-v2.onnx"))) {
        Files.copy(model, dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.write(dir.resolve("tokenizer.json"), tokenizer);
    return dir;
  }

  private static byte[] tokenizerFromTheJar() throws IOException {
    try (ZipFile jar = new ZipFile(ItEnv.jobJar().toFile());
        InputStream in = jar.getInputStream(jar.getEntry("all-minilm-l6-v2-tokenizer.json"))) {
      return in.readAllBytes();
    }
  }
}
