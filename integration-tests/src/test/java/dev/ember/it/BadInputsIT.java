package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 5 of issue #5: bad inputs through spark-submit to the cluster fail fast, with a non-zero
 * exit code and Ember's message in the driver's output, and never hang.
 */
@ExtendWith(SharedCluster.class)
class BadInputsIT {
  /** How long a failure may take at most; each takes seconds. */
  private static final Duration BOUND = Duration.ofSeconds(120);

  private static final int ROWS = 100;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void missingModelFile(StandaloneCluster cluster) {
    SubmitResult r = submitText(cluster, "bad-missing-model", "--model", "/no/such/model.onnx");
    assertFailedWith(r, "IO_ERROR", "'/no/such/model.onnx' does not exist");
    ItEnv.timing("scenario 5: missing model file", r.seconds());
  }

  /** Garbage bytes where the ONNX file should be, with a real tokenizer.json beside them. */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void corruptOnnxFile(StandaloneCluster cluster) throws IOException {
    Path model = Files.createDirectories(ItEnv.itDir().resolve("corrupt-model"));
    byte[] garbage = new byte[4096];
    new Random(5).nextBytes(garbage);
    Files.write(model.resolve("model.onnx"), garbage);
    try (ZipFile jar = new ZipFile(ItEnv.jobJar().toFile());
        InputStream tokenizer =
            jar.getInputStream(jar.getEntry("all-minilm-l6-v2-tokenizer.json"))) {
      Files.write(model.resolve("tokenizer.json"), tokenizer.readAllBytes());
    }
    SubmitResult r =
        submitText(cluster, "bad-corrupt-onnx", "--model", model.resolve("model.onnx").toString());
    assertFailedWith(r, "MODEL_INVALID", model.resolve("model.onnx").toString());
    ItEnv.timing("scenario 5: corrupt ONNX file (driver header check)", r.seconds());
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void missingTextColumn(StandaloneCluster cluster) throws IOException {
    Path csv = ItEnv.itDir().resolve("input/notes.csv");
    Files.createDirectories(csv.getParent());
    Files.write(
        csv,
        List.of("id,body", "1,a first note", "2,\"a second, longer note\""),
        StandardCharsets.UTF_8);
    SubmitResult r =
        cluster
            .submission("bad-missing-column")
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                csv.toString(),
                "--input-format",
                "csv",
                "--text-col",
                "nope",
                "--output",
                ItEnv.output("bad-column").toString())
            .run(BOUND);
    assertFailedWith(r, "BAD_INPUT", "'nope' does not exist");
    ItEnv.timing("scenario 5: missing text column", r.seconds());
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void badEmberConfValue(StandaloneCluster cluster) {
    SubmitResult r =
        cluster
            .submission("bad-conf")
            .conf("spark.ember.batchSize", "0")
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                ItEnv.output("bad-conf").toString())
            .run(BOUND);
    assertFailedWith(r, "BAD_CONF: spark.ember.batchSize", "[1, 4096]");
    ItEnv.timing("scenario 5: bad spark.ember.batchSize", r.seconds());
  }

  private static SubmitResult submitText(
      StandaloneCluster cluster, String name, String... extraArgs) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--input",
                ItEnv.firstLines(ROWS).toString(),
                "--output",
                ItEnv.output(name).toString()));
    args.addAll(List.of(extraArgs));
    return cluster
        .submission(name)
        .jar(ItEnv.jobJar())
        .args(args.toArray(String[]::new))
        .run(BOUND);
  }

  static void assertFailedWith(SubmitResult r, String... expected) {
    assertFalse(r.timedOut(), r::describe);
    assertNotEquals(0, r.exitCode(), r::describe);
    for (String e : expected) {
      assertTrue(
          r.output().contains(e), () -> "no '" + e + "' in the driver output: " + r.describe());
    }
    // The job's own one-line summary of the failure, not only a stack trace.
    assertTrue(r.stderr().contains("EmbedJob failed: "), r::describe);
  }
}
