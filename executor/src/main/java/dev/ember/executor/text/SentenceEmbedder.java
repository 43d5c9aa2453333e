package dev.ember.executor.text;

import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.errors.Redaction;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.predict.BatchRunner;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import dev.ember.executor.predict.RunStats;
import dev.ember.executor.predict.TokenRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Text to sentence embeddings: tokenize, run the transformer, mean-pool over the attention mask,
 * L2-normalise (sentence-transformers' recipe for all-MiniLM-L6-v2). One vector of the model's
 * hidden size (384 for MiniLM) per text; null, empty and blank texts give null, rows and order are
 * kept.
 *
 * <p>Within one {@link #embed} call the texts are sorted by token count and run in micro-batches of
 * at most {@code batchRows} rows, each padded to its own longest row, so short texts do not pay for
 * long ones. Over a {@link CompileWrapper} at compile level 3, the sorted texts are cut where
 * padding to the wrapper's sequence buckets and capture sizes, plus a cost per call, add up to
 * least (a few short texts ride along with longer ones rather than making a call of their own);
 * the wrapper pads each micro-batch to a captured batch size (splitting it if needed). The model sees {@code
 * input_ids}, {@code attention_mask} and {@code token_type_ids} (zeros), INT64 or INT32 as the
 * graph declares, and only the ones it declares. The token states are the output {@code
 * last_hidden_state}, or the graph's first output when none has that name; either must be {@code
 * [batch, seq, hidden]}.
 *
 * <p><b>Threading</b>: {@link #embed} is safe to call from many threads at once on one instance
 * (the Spark plugin shares one per executor JVM): the forward function, the tokenizer and the
 * pooling are all thread-safe, and a call keeps its state on its own stack.
 *
 * <p><b>Lifecycle</b>: owns its {@link TextTokenizer} (a native handle); close it. Close is
 * idempotent; {@link #embed} after close throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (SentenceEmbedder e = SentenceEmbedder.load(
 *     ModelSpec.parse(ModelSpec.DEFAULT), ModelFiles.local(), TextTokenizer.DEFAULT_MAX_LENGTH)) {
 *   float[][] v = e.embed(Arrays.asList("A cat sits on the mat.", null, "Ein Hund bellt."));
 *   // v[0].length == 384, v[1] == null
 * }
 * }</pre>
 */
public final class SentenceEmbedder implements AutoCloseable {
  /** Rows per forward pass unless told otherwise. */
  public static final int DEFAULT_BATCH_ROWS = 32;

  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String TOKEN_TYPE_IDS = "token_type_ids";
  static final String LAST_HIDDEN_STATE = "last_hidden_state";

  private final String source;
  private final BatchRunner runner;
  private final TextTokenizer tokenizer;
  private final String output;
  private final int outputIndex;
  private final boolean pooledInGraph;
  private final int dimension;
  private final int batchRows;
  private final LongAdder textCount = new LongAdder();
  private volatile boolean closed;

  private SentenceEmbedder(
      OnnxModel model, BatchRunner runner, TextTokenizer tokenizer, int batchRows) {
    this.source = model.source();
    this.runner = runner;
    this.tokenizer = tokenizer;
    this.batchRows = batchRows;
    feedsOf(model); // checks the token inputs
    ValueInfo out = outputOf(model);
    this.output = out.name();
    Dim h = out.type().shape().dim(2);
    this.dimension = h.isFixed() ? Math.toIntExact(h.size()) : -1;
    ModelSignature sig = runner.signature();
    this.pooledInGraph = sig.output(PooledGraph.OUTPUT).isPresent();
    String read = pooledInGraph ? PooledGraph.OUTPUT : output;
    this.outputIndex = sig.outputs().indexOf(sig.output(read).orElseThrow(() ->
        Errors.graphInvalid(source, "the forward graph has no output '" + read + "' (outputs: "
            + sig.outputs().stream().map(Port::name).toList() + ")")));
  }

  /**
   * An embedder over {@code model} at compile level 0 (the interpreter), with {@link
   * #DEFAULT_BATCH_ROWS}. Takes ownership of {@code tokenizer}, as the other {@code create} does.
   *
   * @throws dev.ember.executor.errors.EmberException UNSUPPORTED_OP when the interpreter lacks an
   *     op of the model, MODEL_UNSUPPORTED when its inputs or output do not fit a text encoder
   */
  public static SentenceEmbedder create(OnnxModel model, TextTokenizer tokenizer) {
    ForwardFn level0;
    try {
      level0 = ForwardFn.interpreter(forwardGraph(model));
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    return create(model, forwardGraph(model), level0, null, tokenizer, DEFAULT_BATCH_ROWS);
  }

  /**
   * An embedder that runs {@code model}'s forward pass through {@code forward} (any backend). Takes
   * ownership of {@code tokenizer}: closing the embedder closes it, and so does a failure here.
   *
   * @param batchRows the most rows per forward pass, at least 1
   */
  public static SentenceEmbedder create(
      OnnxModel model, ForwardFn forward, TextTokenizer tokenizer, int batchRows) {
    return create(model, model.graph(), forward, null, tokenizer, batchRows);
  }

  /**
   * An embedder that runs {@code model}'s forward pass through {@code wrapper}, which must have
   * been built over {@link #forwardGraph} (or over {@code model.graph()}, then pooled on the
   * host). At level 3 micro-batches follow the wrapper's sequence
   * buckets. Takes ownership of {@code tokenizer}, as the other {@code create} does.
   */
  public static SentenceEmbedder create(
      OnnxModel model, CompileWrapper wrapper, TextTokenizer tokenizer, int batchRows) {
    Objects.requireNonNull(wrapper, "wrapper");
    return create(model, wrapper.graph(), null, wrapper, tokenizer, batchRows);
  }

  /** Over {@code wrapper} when there is one, else {@code forward}, which runs {@code graph}. */
  private static SentenceEmbedder create(
      OnnxModel model,
      Graph graph,
      ForwardFn forward,
      CompileWrapper wrapper,
      TextTokenizer tokenizer,
      int batchRows) {
    Objects.requireNonNull(tokenizer, "tokenizer");
    try {
      Objects.requireNonNull(model, "model");
      if (wrapper == null) {
        Objects.requireNonNull(forward, "forward");
      }
      if (batchRows < 1) {
        throw new IllegalArgumentException(
            "SentenceEmbedder '"
                + model.source()
                + "': batchRows must be >= 1, but was "
                + batchRows);
      }
      ModelSignature sig = ModelSignature.of(graph);
      BatchRunner runner =
          wrapper != null ? BatchRunner.of(sig, wrapper) : BatchRunner.of(sig, forward);
      return new SentenceEmbedder(model, runner, tokenizer, batchRows);
    } catch (RuntimeException e) {
      tokenizer.close(); // it is ours from the call on, so a failed build must not leak it
      throw e;
    }
  }

  /** {@link #load(ModelSpec, ModelFiles, int, int)} with {@link #DEFAULT_BATCH_ROWS}. */
  public static SentenceEmbedder load(ModelSpec spec, ModelFiles files, int maxLength) {
    return load(spec, files, maxLength, DEFAULT_BATCH_ROWS);
  }

  /**
   * Reads the model and tokenizer a spec names (builtins from the classpath, the rest through
   * {@code files}) and builds a level-0 embedder.
   *
   * @param maxLength tokens per text, special tokens included ({@link
   *     TextTokenizer#DEFAULT_MAX_LENGTH} for all-MiniLM-L6-v2)
   * @throws dev.ember.executor.errors.EmberException IO_ERROR for a missing or unreadable file,
   *     MODEL_INVALID for a broken model or tokenizer, UNSUPPORTED_OP for an op Ember lacks
   */
  public static SentenceEmbedder load(
      ModelSpec spec, ModelFiles files, int maxLength, int batchRows) {
    return load(spec, files, maxLength, batchRows, (CompileWrapper.Builder) null);
  }

  /**
   * Like {@link #load(ModelSpec, ModelFiles, int, int)}, compiled as {@code options} say, with the
   * {@link CompileWrapper}'s default backend and no compile cache.
   */
  public static SentenceEmbedder load(
      ModelSpec spec, ModelFiles files, int maxLength, int batchRows, CompileOptions options) {
    return load(spec, files, maxLength, batchRows, CompileWrapper.builder(options));
  }

  /**
   * Like {@link #load(ModelSpec, ModelFiles, int, int)}, with the forward pass compiled by a
   * wrapper {@code compiler} builds over the model's graph (its backend, compile cache and
   * listener); null runs the interpreter directly.
   *
   * <pre>{@code
   * SentenceEmbedder e = SentenceEmbedder.load(spec, files, 256, 32,
   *     CompileWrapper.builder(CompileOptions.level(3)).backend(cpu).store(cache));
   * }</pre>
   */
  public static SentenceEmbedder load(
      ModelSpec spec,
      ModelFiles files,
      int maxLength,
      int batchRows,
      CompileWrapper.Builder compiler) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(files, "files");
    // Names for messages and logs only.
    String name = Redaction.redact(spec.isBuiltin() ? spec.spec() : spec.modelLocation());
    String tokenizerName =
        spec.isBuiltin()
            ? spec.spec() + " (" + spec.tokenizerLocation() + ")"
            : Redaction.redact(spec.tokenizerLocation());
    // The tokenizer (its native library, then its JSON: 0.3 s) loads beside the model.
    CompletableFuture<TextTokenizer> tokenizing = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        tokenizing.complete(TextTokenizer.fromJson(
            SpecFiles.readTokenizer(spec, files), tokenizerName, maxLength));
      } catch (RuntimeException | Error e) {
        tokenizing.completeExceptionally(e);
      }
    }, "ember-tokenizer-load");
    t.setDaemon(true);
    t.start();
    OnnxModel model;
    Graph graph;
    ForwardFn forward = null;
    CompileWrapper wrapper = null;
    try {
      model = ModelImages.of(compiler).load(spec, files, name).model();
    } catch (RuntimeException e) {
      tokenizing.thenAccept(TextTokenizer::close);
      throw firstToReport(e, tokenizing);
    }
    try {
      graph = forwardGraph(model);
      if (compiler == null) {
        forward = ForwardFn.interpreter(graph);
      } else {
        wrapper = compiler.sourceModel(model).build(graph);
      }
    } catch (RuntimeException e) {
      tokenizing.thenAccept(TextTokenizer::close);
      // A broken tokenizer was reported before what the graph lacks, when the files were read
      // one after the other.
      throw tokenizerFailure(tokenizing).orElse(e);
    }
    TextTokenizer tokenizer;
    try {
      tokenizer = tokenizing.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    return create(model, graph, forward, wrapper, tokenizer, batchRows);
  }

  /**
   * The error a load reports when the model failed with {@code model}: as when the files were read
   * one after the other, a missing or unreadable model file first, then a missing tokenizer, then
   * what is wrong inside the model.
   */
  private static RuntimeException firstToReport(RuntimeException model,
      CompletableFuture<TextTokenizer> tokenizing) {
    if (model instanceof EmberException m && m.code() == ErrorCode.IO_ERROR) {
      return model;
    }
    return tokenizerFailure(tokenizing)
        .filter(t -> t instanceof EmberException e && e.code() == ErrorCode.IO_ERROR)
        .orElse(model);
  }

  /** How the tokenizer's load failed, once it has ended; empty when it loaded. */
  private static Optional<RuntimeException> tokenizerFailure(
      CompletableFuture<TextTokenizer> tokenizing) {
    try {
      tokenizing.join();
      return Optional.empty();
    } catch (CompletionException e) {
      return Optional.of(e.getCause() instanceof RuntimeException r ? r : e);
    }
  }

  /**
   * Embeds each text; row {@code i} of the result is the unit-length vector of {@code
   * texts.get(i)}, or null when that text is null, empty or blank.
   *
   * @throws IllegalStateException after {@link #close}
   * @throws dev.ember.executor.errors.EmberException when the forward pass fails (the error names
   *     the node)
   */
  public float[][] embed(List<String> texts) {
    return embed(texts, batchRows);
  }

  /**
   * Like {@link #embed(List)}, with at most {@code rowsPerBatch} rows per forward pass for this
   * call (the Spark UDF passes its batch size here).
   */
  public float[][] embed(List<String> texts, int rowsPerBatch) {
    return embed(texts, rowsPerBatch, n -> {});
  }

  /**
   * Like {@link #embed(List, int)}; tells {@code truncated} how many of these texts were cut to
   * {@link #maxLength()} tokens (called once, also with 0), so that a caller can count per task.
   */
  public float[][] embed(List<String> texts, int rowsPerBatch, IntConsumer truncated) {
    checkOpen();
    if (rowsPerBatch < 1) {
      throw new IllegalArgumentException(
          "SentenceEmbedder '" + source() + "': rowsPerBatch must be >= 1, was " + rowsPerBatch);
    }
    float[][] result = new float[texts.size()][];
    List<Integer> rows = new ArrayList<>(texts.size());
    List<String> kept = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t != null && !t.isBlank()) {
        rows.add(i);
        kept.add(t);
      }
    }
    if (kept.isEmpty()) {
      truncated.accept(0);
      return result;
    }
    TokenBatch all = tokenizer.encodeBatch(kept);
    truncated.accept(all.truncated());
    List<Port> inputs = runner.signature().inputs();
    List<Tensor[]> feeds = new ArrayList<>(kept.size());
    for (int k = 0; k < kept.size(); k++) {
      feeds.add(tokenRow(inputs, all.ids(k)));
    }
    // The runner sorts rows by token count and cuts micro-batches along the sequence buckets.
    Tensor[][] out = runner.run(feeds, rowsPerBatch);
    for (int k = 0; k < kept.size(); k++) {
      Tensor t = out[k][outputIndex];
      result[rows.get(k)] = pooledInGraph ? vector(t) : poolOnHost(t, all.length(k));
    }
    textCount.add(kept.size());
    return result;
  }

  /** The vector of one text, or null for null, empty or blank text. */
  public float[] embed(String text) {
    return embed(Arrays.asList(text))[0];
  }

  /** The hidden size (vector length) the model declares, or -1 when it is symbolic. */
  public int dimension() {
    return dimension;
  }

  /** The graph output pooled into vectors. */
  public String outputName() {
    return output;
  }

  /** The most tokens per text, special tokens included. */
  public int maxLength() {
    return tokenizer.maxLength();
  }

  /** Rows per forward pass. */
  public int batchRows() {
    return batchRows;
  }

  /** The compile wrapper that runs the forward pass, when there is one (for its stats). */
  public Optional<CompileWrapper> compileWrapper() {
    return Optional.ofNullable(runner.wrapper());
  }

  /** Where the model came from. */
  public String source() {
    return source;
  }

  /** Counters since this embedder was built. */
  public EmbedStats stats() {
    RunStats r = runner.stats();
    return new EmbedStats(textCount.sum(), r.batches(), r.realTokens(), r.paddedTokens(),
        tokenizer.truncatedCount());
  }

  /** Frees the tokenizer; waits for running tokenizations. Idempotent. */
  @Override
  public void close() {
    closed = true;
    tokenizer.close();
  }

  /** One row of token inputs, in the graph's input order. */
  private static Tensor[] tokenRow(List<Port> inputs, long[] ids) {
    Tensor[] row = new Tensor[inputs.size()];
    TokenRows.fill(inputs, ids, row);
    return row;
  }

  /** A pooled row ([hidden] float), already of unit length. */
  private float[] vector(Tensor pooled) {
    if (pooled.rank() != 1 || pooled.dtype() != DType.FLOAT
        || dimension >= 0 && pooled.dim(0) != dimension) {
      throw Errors.of(ErrorCode.SHAPE_MISMATCH, "model '" + source + "': a row of pooled output '"
          + PooledGraph.OUTPUT + "' is " + pooled + ", not [" + dimension + "] float",
          "build the forward pass over SentenceEmbedder.forwardGraph(model)");
    }
    return pooled.rawFloats().clone();
  }

  /** Mean of a row's token states ([positions, hidden]) over its first {@code length}. */
  private float[] poolOnHost(Tensor states, int length) {
    if (states.rank() != 2 || states.dim(0) < length || !states.dtype().isFloating()) {
      throw Errors.of(ErrorCode.SHAPE_MISMATCH, "model '" + source + "': output '" + output
          + "' gives a row of " + states + " for a text of " + length + " tokens; token states"
          + " must be floating [seq, hidden] per row",
          "use a model whose first output (or last_hidden_state) holds the token states");
    }
    int h = states.dim(1);
    Tensor hidden = states.reshape(new int[] {1, states.dim(0), h});
    long[] mask = new long[states.dim(0)];
    Arrays.fill(mask, 0, length, 1L);
    return Pooling.meanPoolNormalized(hidden, Tensor.ofLongs(DType.INT64,
        new int[] {1, mask.length}, mask))[0];
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("SentenceEmbedder '" + source + "' is closed");
    }
  }

  /**
   * The graph an embedder runs for {@code model}: with a mask input and float token states, its
   * graph with mean pooling and L2 normalisation appended ({@link PooledGraph}), so each forward
   * pass returns one vector per row (on a GPU, 1/seq of the bytes to copy back); otherwise the
   * graph as it is, pooled on the host. Build a wrapper for {@link #create(OnnxModel,
   * CompileWrapper, TextTokenizer, int)} over this graph.
   *
   * @throws dev.ember.executor.errors.EmberException MODEL_UNSUPPORTED when the model's inputs or
   *     output do not fit a text encoder
   */
  public static Graph forwardGraph(OnnxModel model) {
    Map<String, DType> feeds = feedsOf(model);
    ValueInfo out = outputOf(model);
    return feeds.containsKey(ATTENTION_MASK) && out.type().dtype() == DType.FLOAT
        ? PooledGraph.of(model.graph(), out.name(), ATTENTION_MASK)
        : model.graph();
  }

  /** The token inputs the graph declares, in its order, with their integer types. */
  private static Map<String, DType> feedsOf(OnnxModel model) {
    Graph g = model.graph();
    Map<String, DType> feeds = new LinkedHashMap<>();
    List<String> known = List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
    for (ValueInfo in : g.inputs()) {
      DType t = in.type().dtype();
      Shape s = in.type().shape();
      if (!known.contains(in.name())) {
        throw unsupported(
            model, "graph input '" + in.name() + "' (" + in.type() + ") is not one of " + known);
      }
      if (t != DType.INT64 && t != DType.INT32) {
        throw unsupported(
            model,
            "graph input '"
                + in.name()
                + "' is "
                + in.type()
                + "; token inputs must be int64 or int32");
      }
      if (s.rankKnown() && s.rank() != 2) {
        throw unsupported(
            model,
            "graph input '"
                + in.name()
                + "' is "
                + in.type()
                + "; token inputs must be [batch, seq]");
      }
      feeds.put(in.name(), t);
    }
    if (!feeds.containsKey(INPUT_IDS)) {
      throw unsupported(
          model, "the graph has no input '" + INPUT_IDS + "' (inputs: " + feeds.keySet() + ")");
    }
    return feeds;
  }

  /** last_hidden_state, else the first output; it must be [batch, seq, hidden]. */
  private static ValueInfo outputOf(OnnxModel model) {
    List<ValueInfo> outs = model.graph().outputs();
    ValueInfo out =
        outs.stream()
            .filter(o -> o.name().equals(LAST_HIDDEN_STATE))
            .findFirst()
            .orElse(outs.isEmpty() ? null : outs.get(0));
    if (out == null) {
      throw unsupported(model, "the graph has no outputs");
    }
    Shape s = out.type().shape();
    if (!s.rankKnown() || s.rank() != 3) {
      throw unsupported(
          model,
          "output '"
              + out.name()
              + "' is "
              + out.type()
              + "; a text embedder pools token states of shape [batch, seq, hidden]");
    }
    return out;
  }

  private static RuntimeException unsupported(OnnxModel model, String why) {
    return Errors.modelUnsupported(
        model.source(),
        why,
        "use a transformer encoder exported with inputs input_ids, attention_mask (and"
            + " token_type_ids) and output last_hidden_state, e.g. `optimum-cli export onnx"
            + " --task feature-extraction`");
  }
}
