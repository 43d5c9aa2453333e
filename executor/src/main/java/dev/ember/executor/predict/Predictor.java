package dev.ember.executor.predict;

import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.text.ForwardFn;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelImages;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.PairTokens;
import dev.ember.executor.text.SpecFiles;
import dev.ember.executor.text.TextTokenizer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Any batchable ONNX model, ready to run over rows: its {@link ModelSignature} and a {@link
 * BatchRunner} over the compile wrapper (levels 1-3) or the interpreter (level 0). One instance
 * per executor JVM is shared by all its tasks; thread-safe.
 *
 * <pre>{@code
 * Predictor p = Predictor.load(ModelSpec.parse("/models/wine/model.onnx"), ModelFiles.local(),
 *     CompileWrapper.builder(CompileOptions.level(3)));
 * Tensor[][] out = p.run(rows, 64);
 * }</pre>
 */
public final class Predictor {
  private final String source;
  private final BatchRunner runner;
  private final TextTokenizer tokenizer;

  private Predictor(String source, BatchRunner runner, TextTokenizer tokenizer) {
    this.source = source;
    this.runner = runner;
    this.tokenizer = tokenizer;
  }

  /**
   * Reads the model a spec names (its tokenizer is not needed) and builds the runner: through a
   * wrapper {@code compiler} builds over the graph, or the interpreter when {@code compiler} is
   * null.
   *
   * @throws dev.ember.executor.errors.EmberException IO_ERROR for a missing file, MODEL_INVALID,
   *     MODEL_UNSUPPORTED for a graph that cannot be batched, UNSUPPORTED_OP
   */
  public static Predictor load(ModelSpec spec, ModelFiles files, CompileWrapper.Builder compiler) {
    return load(spec, files, compiler, 0);
  }

  /**
   * Like {@link #load(ModelSpec, ModelFiles, CompileWrapper.Builder)}, with the model's tokenizer
   * ({@code tokenizer.json} beside it) when {@code maxLength} is positive, for text columns.
   */
  public static Predictor load(ModelSpec spec, ModelFiles files, CompileWrapper.Builder compiler,
      int maxLength) {
    Objects.requireNonNull(spec, "spec");
    String source = spec.isBuiltin() ? spec.spec() : spec.modelLocation();
    ModelImages.Loaded loaded = ModelImages.of(compiler).load(spec, files, source);
    OnnxModel model = loaded.model();
    TextTokenizer tokenizer = maxLength <= 0 ? null : TextTokenizer.fromJson(
        SpecFiles.readTokenizer(spec, files), spec.tokenizerLocation(), maxLength);
    try {
      return new Predictor(model.source(), runner(model, compiler, loaded.bytes()), tokenizer);
    } catch (RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      throw e;
    }
  }

  /** A predictor over an already loaded model; see {@link #load}. */
  public static Predictor of(OnnxModel model, CompileWrapper.Builder compiler) {
    return new Predictor(model.source(), runner(model, compiler, (Supplier<byte[]>) null), null);
  }

  /** {@code bytes}: the model's ONNX bytes, for ONNX Runtime if the policy picks it. */
  private static BatchRunner runner(OnnxModel model, CompileWrapper.Builder compiler,
      Supplier<byte[]> bytes) {
    ModelSignature sig = ModelSignature.of(model.graph());
    return compiler == null
        ? BatchRunner.of(sig, ForwardFn.interpreter(model.graph()))
        : BatchRunner.of(sig, compiler.sourceModel(model).build(model.graph(), bytes));
  }

  /**
   * The token inputs of one text, in the graph's input order (other inputs null).
   *
   * @throws IllegalStateException when this predictor was loaded without a tokenizer
   */
  public Tensor[] tokenRow(String text) {
    return tokenRow(text, () -> { });
  }

  /** Like {@link #tokenRow(String)}; runs {@code onCut} when the text was truncated. */
  public Tensor[] tokenRow(String text, Runnable onCut) {
    Tensor[] row = new Tensor[signature().inputs().size()];
    TokenRows.fill(signature().inputs(), tokenizer().encode(text, onCut), row);
    return row;
  }

  /**
   * The token inputs of a text pair (see {@link TextTokenizer#encodePair}), in the graph's input
   * order (other inputs null): {@code token_type_ids} marks each token's segment.
   *
   * @throws IllegalStateException when this predictor was loaded without a tokenizer
   */
  public Tensor[] tokenRow(String first, String second) {
    return tokenRow(first, second, () -> { });
  }

  /** Like {@link #tokenRow(String, String)}; runs {@code onCut} when the pair was truncated. */
  public Tensor[] tokenRow(String first, String second, Runnable onCut) {
    PairTokens pair = tokenizer().encodePair(first, second, onCut);
    Tensor[] row = new Tensor[signature().inputs().size()];
    TokenRows.fill(signature().inputs(), pair.ids(), pair.typeIds(), row);
    return row;
  }

  /** The most tokens per text of this predictor's tokenizer, or 0 without one. */
  public int maxLength() {
    return tokenizer == null ? 0 : tokenizer.maxLength();
  }

  private TextTokenizer tokenizer() {
    if (tokenizer == null) {
      throw new IllegalStateException("predictor '" + source + "' has no tokenizer");
    }
    return tokenizer;
  }

  /** See {@link BatchRunner#run}. */
  public Tensor[][] run(List<Tensor[]> rows, int rowsPerBatch) {
    return runner.run(rows, rowsPerBatch);
  }

  public ModelSignature signature() {
    return runner.signature();
  }

  /** The compile wrapper behind the runner, when there is one (for its stats). */
  public Optional<CompileWrapper> compileWrapper() {
    return Optional.ofNullable(runner.wrapper());
  }

  public RunStats stats() {
    return runner.stats();
  }

  /** Texts of a text column cut to the tokenizer's maxLength so far; 0 without a tokenizer. */
  public long truncatedTexts() {
    return tokenizer == null ? 0 : tokenizer.truncatedCount();
  }

  /** Where the model came from. */
  public String source() {
    return source;
  }
}
