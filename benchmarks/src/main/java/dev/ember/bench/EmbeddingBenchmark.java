package dev.ember.bench;

import ai.onnxruntime.OrtException;
import dev.ember.executor.backend.cpu.CpuVariant;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.TextTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code bin/ember bench}: sentence embeddings of real text with all-MiniLM-L6-v2, Ember at compile
 * levels 0 to 3 against ONNX Runtime Java, in one JVM on one machine, in corpus-order batches of 64
 * and length-sorted batches of 32; then level 3's cold and warm (compile cache) start. Prints a
 * Markdown table and checks that every Ember level gives ONNX Runtime's embeddings (cosine at least
 * {@value #MIN_COSINE} on every row, else it aborts).
 *
 * <pre>{@code
 * bin/ember bench --rows 4000 --levels 0,1,2,3
 * }</pre>
 */
public final class EmbeddingBenchmark {
  /** Below this cosine against ONNX Runtime on any row, the run aborts. */
  static final double MIN_COSINE = 0.9999;

  private static final ModelSpec MODEL = ModelSpec.parse(ModelSpec.DEFAULT);

  private EmbeddingBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(BenchOptions.USAGE);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ember bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    // One INFO line per compiled variant would bury the progress lines; warnings still show.
    Logger.getLogger("").setLevel(Level.WARNING);
    BenchReport report;
    try {
      report = run(options, System.err);
    } catch (CosineCheckFailed e) {
      System.err.println("\nember bench: ABORTED, WRONG OUTPUT: " + e.getMessage());
      System.exit(1);
      return;
    }
    String md = report.markdown();
    System.out.println();
    System.out.print(md);
    if (options.out() != null) {
      Path out = options.out().toAbsolutePath();
      Files.createDirectories(out.getParent());
      Files.writeString(out, md, StandardCharsets.UTF_8);
      System.err.println("ember bench: table written to " + out);
    }
  }

  /** Thrown when an Ember level's embeddings differ from ONNX Runtime's. */
  static final class CosineCheckFailed extends RuntimeException {
    CosineCheckFailed(String message) {
      super(message);
    }
  }

  /**
   * Runs every measurement {@code o} asks for, reporting progress on {@code progress}.
   *
   * @throws CosineCheckFailed as soon as an Ember level's embeddings fall below {@link
   *     #MIN_COSINE} against ONNX Runtime's
   */
  static BenchReport run(BenchOptions o, PrintStream progress)
      throws IOException, OrtException, InterruptedException {
    long t0 = System.nanoTime();
    List<String> env = new ArrayList<>(Machine.describe());
    String loadStart = Machine.loadAverage();
    ModelFiles files = MODEL.files(ModelFiles.local());
    byte[] modelBytes = files.read(MODEL.modelLocation());
    byte[] tokenizerJson = files.read(MODEL.tokenizerLocation());
    OnnxModel model = OnnxLoader.load(modelBytes, MODEL.spec());
    int maxLength = TextTokenizer.DEFAULT_MAX_LENGTH;
    List<ReportRow> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    StartTimes start = null;
    String corpusLine;
    String ortLine;
    try (TextTokenizer tokenizer = TextTokenizer.fromJson(tokenizerJson, "tokenizer", maxLength)) {
      Corpus corpus = Corpus.read(o.input(), o.rows(), tokenizer);
      corpusLine = describe(o, corpus);
      progress.println("ember bench: " + corpusLine);
      Corpus small = corpus.head(o.interpreterRows());
      boolean subset = o.levels().contains(0) && small.size() < corpus.size();
      Map<Batching, Measurement> ort = new EnumMap<>(Batching.class);
      Map<Batching, Measurement> ortSmall = new EnumMap<>(Batching.class);
      try (OrtEngine engine = new OrtEngine(modelBytes, tokenizer, o.ortThreads())) {
        ortLine = "reference: " + engine.describe();
        for (Batching b : Batching.values()) {
          engine.warmUp(corpus, b);
          ort.put(b, report(progress, engine.run(corpus, b)));
          if (subset) {
            engine.warmUp(small, b);
            ortSmall.put(b, report(progress, engine.run(small, b)));
          }
        }
      }
      addOrtRows(rows, ort);
      if (subset) {
        addOrtRows(rows, ortSmall);
      }
      for (int level : o.levels()) {
        Corpus c = level == 0 ? small : corpus;
        Map<Batching, Measurement> ref = level == 0 && subset ? ortSmall : ort;
        try (EmberEngine engine = new EmberEngine(model, tokenizerJson, level, o.workers())) {
          long timedCompiles = 0;
          for (Batching b : Batching.values()) {
            engine.warmUp(c, b);
            long before = engine.wrapperStats().variantsCompiled();
            Measurement m = report(progress, engine.run(c, b));
            timedCompiles += engine.wrapperStats().variantsCompiled() - before;
            rows.add(checked(m, ref.get(b), ref.get(Batching.LENGTH_SORTED)));
          }
          notes.addAll(wrapperNotes(engine, timedCompiles));
          if (level == 3) {
            Path dir = Files.createTempDirectory("ember-bench-cache");
            try {
              progress.println("ember bench: level 3 cold and warm start...");
              start = StartTimes.measure(MODEL, engine.usedVariants(), dir);
            } finally {
              Machine.deleteTree(dir);
            }
          }
        }
      }
    }
    env.add("load average (1, 5, 15 min) at start: " + loadStart + "; at end: "
        + Machine.loadAverage() + String.format(Locale.ROOT,
            " (other processes share the cores: timings move with it); benchmark wall time %.1f"
                + " min", (System.nanoTime() - t0) / 60e9));
    String emberLine = String.format(Locale.ROOT,
        "ember: %d worker thread%s (one per core, like Spark's task slots), each embedding its"
            + " share of the batches through one shared SentenceEmbedder; CpuJaninoBackend, GEMM"
            + " on the calling thread; level 0 is the interpreter%s",
        o.workers(), o.workers() == 1 ? "" : "s",
        o.levels().contains(0) && o.interpreterRows() < o.rows()
            ? ", on the first " + o.interpreterRows() + " rows only (it is slow); its ratios are"
                + " to ONNX Runtime on those rows"
            : "");
    return new BenchReport(o, env, corpusLine, ortLine, emberLine, rows, start, notes);
  }

  private static void addOrtRows(List<ReportRow> rows, Map<Batching, Measurement> ort) {
    for (Measurement m : ort.values()) {
      rows.add(new ReportRow(m, m, ort.get(Batching.LENGTH_SORTED), 1.0));
    }
  }

  private static ReportRow checked(Measurement m, Measurement ref, Measurement refSorted) {
    double min = m.minCosine(ref);
    if (!(min >= MIN_COSINE)) {
      int row = m.worstRow(ref);
      throw new CosineCheckFailed(String.format(Locale.ROOT,
          "%s (%s) gives embeddings that differ from ONNX Runtime's: min cosine %.6f < %.4f, at"
              + " row %d (line %d of the input)", m.engine(), m.batching().label(), min,
          MIN_COSINE, row, row + 1));
    }
    return new ReportRow(m, ref, refSorted, min);
  }

  private static Measurement report(PrintStream progress, Measurement m) {
    progress.printf(Locale.ROOT, "ember bench: %-14s %-19s %5d rows %8.1f sentences/s"
            + " (%.1f s, padded/real %.2f)%n", m.engine(), m.batching().label(), m.rows(),
        m.sentencesPerSecond(), m.seconds(), m.paddingRatio());
    return m;
  }

  private static List<String> wrapperNotes(EmberEngine engine, long timedCompiles) {
    WrapperStats s = engine.wrapperStats();
    if (engine.level() == 0) {
      return List.of();
    }
    String gemm = engine.variants().stream()
        .filter(v -> v instanceof CpuVariant)
        .map(v -> ((CpuVariant) v).gemm())
        .findFirst()
        .orElse("?");
    return List.of(String.format(Locale.ROOT,
        "%s: %d variants compiled (%.1f s of compile summed; %d of them during the timed passes),"
            + " %d variants used, %d calls, %d on the general variant, %d warnings; GEMM %s",
        engine.name(), s.variantsCompiled(), s.compileNanos() / 1e9, timedCompiles,
        engine.usedVariants().size(), s.calls(), s.generalCalls(), s.warnings(), gemm));
  }

  private static String describe(BenchOptions o, Corpus c) {
    return String.format(Locale.ROOT,
        "text: first %,d lines of %s, %,d real tokens (special tokens included; p50 %d, p90 %d,"
            + " p99 %d, max %d), tokenized by Ember's TextTokenizer (truncation %d, no padding)",
        c.size(), o.input(), c.realTokens(), c.lengthQuantile(0.5), c.lengthQuantile(0.9),
        c.lengthQuantile(0.99), c.lengthQuantile(1.0), TextTokenizer.DEFAULT_MAX_LENGTH);
  }
}
