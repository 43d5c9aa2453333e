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
    quietLogs();
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

  /** Strong references: java.util.logging forgets a logger's level when the logger is collected. */
  private static final List<Logger> QUIET = new ArrayList<>();

  /**
   * One INFO line per compiled variant, and level 1's long warnings once it runs out of static
   * variants (counted in the notes instead), would bury the progress lines; other warnings show.
   */
  private static void quietLogs() {
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    Logger dispatch = Logger.getLogger("dev.ember.executor.dispatch.VariantCompiler");
    dispatch.setLevel(Level.SEVERE);
    QUIET.add(root);
    QUIET.add(dispatch);
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
    List<ReportRow> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    StartTimes start = null;
    String corpusLine;
    String ortLine;
    try (TextTokenizer tokenizer =
        TextTokenizer.fromJson(tokenizerJson, "tokenizer", TextTokenizer.DEFAULT_MAX_LENGTH)) {
      Corpus corpus = Corpus.read(o.input(), o.rows(), tokenizer);
      corpusLine = describe(o, corpus);
      progress.println("ember bench: " + corpusLine);
      Corpus small = corpus.head(o.interpreterRows());
      boolean subset = o.levels().contains(0) && small.size() < corpus.size();
      try (OrtEngine ortEngine = new OrtEngine(modelBytes, tokenizer, o.ortThreads())) {
        ortLine = "reference: " + ortEngine.describe();
        Map<Batching, Measurement> ort = measure(ortEngine, corpus, progress);
        Map<Batching, Measurement> ortSmall = subset ? measure(ortEngine, small, progress) : null;
        addOrtRows(rows, ort);
        if (subset) {
          addOrtRows(rows, ortSmall);
        }
        for (int level : o.levels()) {
          Corpus c = level == 0 ? small : corpus;
          Map<Batching, Measurement> ref = level == 0 && subset ? ortSmall : ort;
          try (EmberEngine engine = new EmberEngine(model, tokenizerJson, level, o.workers())) {
            notes.addAll(measure(engine, c, ref, rows, progress));
            if (level == 3) {
              start = startTimes(engine, progress);
            }
          }
        }
        // The cores are shared: ONNX Runtime once more at the end shows how far the load moved.
        Measurement again = report(progress, ortEngine.run(corpus, Batching.LENGTH_SORTED));
        notes.add(String.format(Locale.ROOT, "drift check: %s length-sorted again at the end:"
                + " %.1f sentences/s (%.2fx its first pass)", OrtEngine.NAME,
            again.sentencesPerSecond(),
            again.sentencesPerSecond() / ort.get(Batching.LENGTH_SORTED).sentencesPerSecond()));
      }
    }
    env.add(String.format(Locale.ROOT, "load average (1, 5, 15 min) at start: %s; at end: %s"
            + " (other processes share the cores: timings move with it); benchmark wall time"
            + " %.1f min", loadStart, Machine.loadAverage(), (System.nanoTime() - t0) / 60e9));
    return new BenchReport(o, env, corpusLine, ortLine, emberLine(o), rows, start, notes);
  }

  /** ONNX Runtime over {@code c} in every batching, each pass after its warm-up. */
  private static Map<Batching, Measurement> measure(OrtEngine e, Corpus c, PrintStream progress)
      throws OrtException {
    Map<Batching, Measurement> out = new EnumMap<>(Batching.class);
    for (Batching b : Batching.values()) {
      e.warmUp(c, b);
      out.put(b, report(progress, e.run(c, b)));
    }
    return out;
  }

  /**
   * One Ember level over {@code c} in every batching, each pass after its warm-up and checked
   * against ONNX Runtime's vectors; adds the rows, returns the notes.
   */
  private static List<String> measure(EmberEngine e, Corpus c, Map<Batching, Measurement> ref,
      List<ReportRow> rows, PrintStream progress) throws InterruptedException {
    long timedCompiles = 0;
    for (Batching b : Batching.values()) {
      e.warmUp(c, b);
      long before = e.wrapperStats().variantsCompiled();
      Measurement m = report(progress, e.run(c, b));
      timedCompiles += e.wrapperStats().variantsCompiled() - before;
      rows.add(checked(m, c, ref.get(b), ref.get(Batching.LENGTH_SORTED)));
    }
    return wrapperNotes(e, timedCompiles);
  }

  private static StartTimes startTimes(EmberEngine level3, PrintStream progress)
      throws IOException {
    Path dir = Files.createTempDirectory("ember-bench-cache");
    try {
      progress.println("ember bench: level 3 cold and warm start...");
      return StartTimes.measure(MODEL, level3.usedVariants(), dir);
    } finally {
      Machine.deleteTree(dir);
    }
  }

  private static String emberLine(BenchOptions o) {
    return String.format(Locale.ROOT,
        "ember: %d worker thread%s (one per core, like Spark's task slots), each embedding its"
            + " share of the batches through one shared SentenceEmbedder; CpuJaninoBackend, GEMM"
            + " on the calling thread; level 0 is the interpreter%s",
        o.workers(), o.workers() == 1 ? "" : "s",
        o.levels().contains(0) && o.interpreterRows() < o.rows()
            ? ", on the first " + o.interpreterRows() + " rows only (it is slow); its ratios are"
                + " to ONNX Runtime on those rows"
            : "");
  }

  private static void addOrtRows(List<ReportRow> rows, Map<Batching, Measurement> ort) {
    for (Measurement m : ort.values()) {
      rows.add(new ReportRow(m, m, ort.get(Batching.LENGTH_SORTED), 1.0));
    }
  }

  static ReportRow checked(
      Measurement m, Corpus c, Measurement ref, Measurement refSorted) {
    double min = m.minCosine(ref);
    if (!(min >= MIN_COSINE)) {
      int row = m.worstRow(ref);
      String text = c.text(row);
      throw new CosineCheckFailed(String.format(Locale.ROOT,
          "%s (%s) gives embeddings that differ from ONNX Runtime's: min cosine %.6f < %.4f, at"
              + " row %d of the corpus (%d tokens): \"%s\"", m.engine(), m.batching().label(),
          min, MIN_COSINE, row, c.length(row),
          text.length() > 80 ? text.substring(0, 80) + "..." : text));
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
