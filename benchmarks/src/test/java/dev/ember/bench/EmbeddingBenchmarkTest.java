package dev.ember.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.TextTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the benchmark harness on a few rows so that it keeps working; no timing is asserted, only
 * that every row of the table is there, the outputs agree with ONNX Runtime and the warm start
 * compiles nothing.
 */
class EmbeddingBenchmarkTest {
  private static final Path GLOSSES = Path.of("..", "data", "sample", "wordnet-glosses.txt");

  @Test
  void harnessRunsLevels0And3OnEightRows() throws Exception {
    BenchOptions o =
        BenchOptions.defaults()
            .withInput(GLOSSES)
            .withRows(8)
            .withLevels(List.of(0, 3))
            .withLevel0Rows(4)
            .withWorkers(2);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    BenchReport r =
        EmbeddingBenchmark.run(o, new PrintStream(progress, true, StandardCharsets.UTF_8));

    for (Batching b : Batching.values()) {
      assertNotNull(r.row(OrtEngine.NAME, b, 8), "ORT " + b);
      assertNotNull(r.row(OrtEngine.NAME, b, 4), "ORT on the level-0 subset, " + b);
      ReportRow l0 = r.row("ember level 0", b, 4);
      ReportRow l3 = r.row("ember level 3", b, 8);
      assertNotNull(l0, "level 0 " + b);
      assertNotNull(l3, "level 3 " + b);
      assertTrue(l0.minCosine() >= EmbeddingBenchmark.MIN_COSINE, "level 0 " + b);
      assertTrue(l3.minCosine() >= EmbeddingBenchmark.MIN_COSINE, "level 3 " + b);
      assertEquals(l3.ortSame().realTokens(), l3.m().realTokens(), "same tokens, " + b);
    }
    assertEquals(8, r.rows().size()); // ORT on 8 and on 4 rows, levels 0 and 3, two batchings each
    // Levels 0-2 run exactly ONNX Runtime's batches; level 3 pads further to its captured shapes.
    ReportRow l0 = r.row("ember level 0", Batching.LENGTH_SORTED, 4);
    assertEquals(l0.ortSame().paddedTokens(), l0.m().paddedTokens());
    assertEquals(l0.ortSame().batches(), l0.m().batches());

    StartTimes start = r.start();
    assertNotNull(start);
    assertTrue(start.variants() > 0);
    assertEquals(start.variants(), start.cold().compilations(), "cold compiles every variant");
    assertEquals(0, start.warm().compilations(), "warm loads every variant from the cache");
    for (StartTimes.Start s : List.of(start.cold(), start.warm())) {
      assertTrue(s.firstBatchNanos() > s.loadNanos() && s.firstBatchNanos() <= s.nanos(), "" + s);
      assertTrue(s.rerunNanos() > 0, "" + s);
    }
    assertTrue(
        r.notes().stream().anyMatch(n -> n.contains("0 of them during the timed passes")),
        "the warm-up compiles every variant the timed passes use: " + r.notes());

    String md = r.markdown();
    assertTrue(md.contains("| ember level 3 | length-sorted, 32 | 8 |"), md);
    assertTrue(md.contains("| ember level 0 | corpus order, 64 | 4 (subset) |"), md);
    assertTrue(md.contains("load average"), md);
    assertTrue(md.contains("cold / warm"), md);
    assertTrue(md.contains("start to first batch done"), md);
  }

  @Test
  void int8ModelRunsAgainstOrtOnTheSameInt8Export() throws Exception {
    BenchOptions o =
        BenchOptions.parse(new String[] {"--model", "builtin:all-minilm-l6-v2-q", "--rows", "6",
            "--levels", "3", "--workers", "1", "--input", GLOSSES.toString()});
    BenchReport r = EmbeddingBenchmark.run(o, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    for (Batching b : Batching.values()) {
      ReportRow l3 = r.row("ember level 3", b, 6);
      assertNotNull(l3, "level 3 " + b);
      assertTrue(l3.minCosine() >= EmbeddingBenchmark.MIN_COSINE_INT8, "level 3 " + b);
    }
    String md = r.markdown();
    assertTrue(md.contains("builtin:all-minilm-l6-v2-q (int8 quantized)"), md);
  }

  @Test
  void modelFlagNeedsASpec() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BenchOptions.parse(new String[] {"--model", " "}));
    assertTrue(e.getMessage().contains("--model"), e::getMessage);
  }

  @Test
  void wrongEmbeddingsAbortTheRun() throws Exception {
    ModelSpec spec = ModelSpec.parse(ModelSpec.DEFAULT);
    byte[] json = spec.files(ModelFiles.local()).read(spec.tokenizerLocation());
    try (TextTokenizer tok = TextTokenizer.fromJson(json, "tokenizer", 256)) {
      Corpus c = Corpus.of(List.of("a cat", "a dog"), tok);
      float[][] ref = {{1, 0}, {0, 1}};
      float[][] close = {{1, 1e-3f}, {0, 1}};
      float[][] wrong = {{1, 0}, {1, 1}};
      Measurement ort = measurement(OrtEngine.NAME, ref);
      ReportRow ok = EmbeddingBenchmark.checked(measurement("ember", close), c, ort, ort,
              EmbeddingBenchmark.MIN_COSINE);
      assertTrue(ok.minCosine() >= EmbeddingBenchmark.MIN_COSINE);
      EmbeddingBenchmark.CosineCheckFailed e =
          assertThrows(
              EmbeddingBenchmark.CosineCheckFailed.class,
              () -> EmbeddingBenchmark.checked(measurement("ember", wrong), c, ort, ort,
              EmbeddingBenchmark.MIN_COSINE));
      assertTrue(
          e.getMessage().contains("row 1") && e.getMessage().contains("a dog"), e::getMessage);
      float[][] missing = {{1, 0}, null};
      assertThrows(
          EmbeddingBenchmark.CosineCheckFailed.class,
          () -> EmbeddingBenchmark.checked(measurement("ember", missing), c, ort, ort,
              EmbeddingBenchmark.MIN_COSINE));
    }
  }

  private static Measurement measurement(String engine, float[][] vectors) {
    return new Measurement(
        engine, Batching.LENGTH_SORTED, vectors.length, 1_000_000, 1, 10, 10, vectors);
  }

  @Test
  void optionsParseAndRejectBadValues() {
    BenchOptions o = BenchOptions.parse(new String[] {"--levels", "1,3", "--rows", "100"});
    assertEquals(List.of(1, 3), o.levels());
    assertEquals(100, o.rows());
    assertEquals(100, o.interpreterRows());
    assertThrows(
        IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--levels", "3,1"}));
    assertThrows(
        IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--levels", "4"}));
    assertThrows(
        IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--rows", "x"}));
    assertThrows(
        IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--bogus"}));
  }
}
