package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.backend.DeviceVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.InterpBackend;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A model's forward, compiled at a {@link CompileOptions#level() level} 0 to 3: the JVM analogue of
 * vLLM's {@code TorchCompileWrapperWithCustomDispatcher}, safe for many threads. It holds the
 * original graph, the backend, and a list of variants, each an immutable {@link CompiledVariant}
 * with its {@link VariantKey}, compiled on first use (or ahead, {@link #capture()}), obtained
 * through a {@link VariantStore} (the compile cache) and announced once to a {@link
 * CompileListener}.
 *
 * <p>{@link #call} is the default path: level 0 interprets; level 1 checks guards (exact input
 * types and shapes) and compiles a new variant per new shape; level 2 runs one general variant
 * without guards; level 3 pads to captured (batch, seq) shapes, splits large batches and slices the
 * outputs back. {@link #dispatchTo} runs a chosen variant with no guard at all (vLLM's {@code
 * dispatch_to_code}); it reads the published variant with one volatile load and allocates nothing
 * beyond what the variant returns.
 *
 * <p><b>Threading</b>: every method is safe to call from many threads at once. A variant is
 * compiled once even when threads race for it (the others wait for it); variants are published by
 * copy-on-write, so dispatching never locks.
 *
 * <pre>{@code
 * CompileOptions o = CompileOptions.level(3).withCaptureSizes(List.of(1, 8));
 * CompileWrapper w = CompileWrapper.builder(o)
 *     .backend(backend)            // e.g. the CPU backend; the interpreter by default
 *     .store(store)                // the compile cache; VariantStore.none() by default
 *     .listener(e -> log(e.label(), e.compileNanos()))
 *     .build(model.graph());
 * Map<String, Tensor> out = w.call(Map.of("input_ids", ids, "attention_mask", mask));
 * int i = w.captureIndex(8, 32);   // inputs already padded to 8 x 32:
 * Map<String, Tensor> fast = w.dispatchTo(i, padded);
 * }</pre>
 */
public final class CompileWrapper {
  static final String STATIC = "static";
  static final String GENERAL = "general";

  private final Graph graph;
  private final CompileOptions options;
  private final String graphHash;
  private final String backendName;
  private final Backend backend;
  private final Map<String, String> backendOptions;
  private final Counters counters = new Counters();
  private final SlotTable table = new SlotTable();
  private final VariantCompiler compiler;
  private final ExactShapeDispatch exact;
  private final CapturedDispatch captured;
  private final BackendChoice choice;
  // Variants run the model as ONNX Runtime reads it, so Ember never specialises its graph.
  private final boolean opaque;
  private volatile Graph simplified;
  private volatile Slot general;

  private CompileWrapper(Builder b, Graph graph, Supplier<byte[]> modelBytes) {
    this.graph = graph;
    this.options = b.options;
    Backend chosen = b.backend == null ? b.reference : b.backend;
    this.choice = options.level() == 0 || b.policy == null ? null
        : BackendChoice.choose(b.policy, graph, chosen, modelBytes, b.planOnly);
    this.opaque = choice != null && choice.onOrt();
    Backend backend = options.level() == 0 ? b.reference : chosen;
    if (choice != null) {
      backend = choice.backend();
    }
    this.backendName = backend.name();
    this.backend = backend;
    this.backendOptions = options.level() == 0 || opaque ? Map.of() : b.backendOptions;
    this.graphHash =
        b.graphHash != null ? b.graphHash : options.level() == 0 ? "-"
            : GraphHash.of(graph, b.sourceModel);
    VariantStore store = options.level() == 0 ? VariantStore.none() : b.store;
    this.compiler =
        new VariantCompiler(
            graph.name(), backend, b.reference, store, b.listener, options.level() == 3,
            counters);
    if (b.policy == BackendPolicy.AUTO && modelBytes != null && !opaque) {
      compiler.fallBackToOrt(BackendChoice.refusedOpFallback(graph, modelBytes));
    }
    switch (options.level()) {
      case 0 -> {
        table.add(
            i ->
                new Slot(
                    i, "interpreter", key(symbolicShapes(), GENERAL), null, false, () -> graph));
        exact = null;
        captured = null;
      }
      case 1 -> {
        exact = new ExactShapeDispatch(this, options.maxVariants());
        captured = null;
      }
      case 2 -> {
        general = table.add(i -> generalSlot(i, false));
        exact = null;
        captured = null;
      }
      default -> {
        PadAxes axes = PadAxes.detect(graph, simplified(), options);
        CaptureGrid grid =
            new CaptureGrid(
                options.captureSizes(),
                options.seqBuckets(),
                axes.batchSym != null,
                axes.seqSym != null);
        for (int k = 0; k < grid.size(); k++) {
          addCaptureSlot(axes, grid.batchAt(k), grid.seqAt(k));
        }
        exact = null;
        captured = new CapturedDispatch(this, axes, grid, options);
      }
    }
    if (options.captureAhead() && !b.planOnly) {
      capture();
    }
  }

  /** Starts a wrapper recipe; {@link Builder#build} applies it to a graph. */
  public static Builder builder(CompileOptions options) {
    return new Builder(options);
  }

  /**
   * Runs the forward pass on {@code inputs} (graph input name to tensor) and returns the graph
   * outputs by name, picking or compiling the variant as the level says.
   *
   * @throws dev.ember.executor.errors.EmberException BAD_INPUT for inputs that do not fit the graph
   *     (levels 1 and 3 check; level 2 leaves it to the variant), a compile error from the backend,
   *     BUFFER_MUTATION when a level-3 variant writes into a weight
   */
  public Map<String, Tensor> call(Map<String, Tensor> inputs) {
    counters.calls.increment();
    return switch (options.level()) {
      case 1 -> exact.call(inputs);
      case 3 -> captured.call(inputs);
      default -> run(table.get(0, name()), inputs);
    };
  }

  /**
   * Why {@link #callOnDevice} cannot run this model, or empty when it can: it needs compile level
   * 3, a graph with a leading batch dimension and no sequence dimension, and captured variants on
   * a GPU backend that runs them on device memory (no host steps). Compiles the largest captured
   * variant to find out (the first time; later calls find it compiled). The RAPIDS columnar path
   * asks once per batch.
   */
  public Optional<String> deviceRunRefusal() {
    if (captured == null) {
      return Optional.of("compile level " + options.level() + " (the device feed runs"
          + " the captured variants of level 3)");
    }
    String why = captured.deviceRefusal();
    if (why == null) {
      why = CapturedDispatch.deviceRunRefusal(variant(captured.largestCaptureIndex()));
    }
    return Optional.ofNullable(why);
  }

  /**
   * Level 3 on device memory: runs {@code rows} rows whose inputs already lie on the GPU ({@link
   * DeviceSlice}s per graph input, row 0 at each slice's address) and writes each graph output's
   * {@code rows} rows, contiguous, at {@code outputs.get(name)} (which must hold {@code rows *}
   * {@link #outputRowBytes} bytes). Splits and pads like {@link #call}; nothing goes through the
   * host but each chunk's 4-byte error flag. See {@link DeviceVariant#runOnDevice}.
   *
   * @throws IllegalStateException when {@link #deviceRunRefusal} is not empty
   */
  public void callOnDevice(int rows, Map<String, List<DeviceSlice>> inputs,
      Map<String, Long> outputs) {
    if (captured == null) {
      throw new IllegalStateException("CompileWrapper '" + name() + "' is at level "
          + options.level() + "; callOnDevice needs level 3");
    }
    counters.calls.increment();
    captured.callOnDevice(rows, inputs, outputs);
  }

  /** Bytes of one row of graph output {@code name} on the device path (level 3). */
  public long outputRowBytes(String name) {
    CompiledVariant v = captured == null ? null : variant(captured.largestCaptureIndex());
    if (!(v instanceof DeviceVariant d)) {
      throw new IllegalStateException("CompileWrapper '" + name() + "' does not run on a GPU");
    }
    return d.outputRowBytes(name);
  }

  /**
   * Runs variant {@code index} on {@code inputs} with no guard: the caller guarantees the inputs
   * match the variant's key (see {@link #select} and {@link #captureIndex}). Compiles the variant
   * first if it has not been yet.
   *
   * @throws IllegalArgumentException when there is no variant {@code index}
   */
  public Map<String, Tensor> dispatchTo(int index, Map<String, Tensor> inputs) {
    return run(table.get(index, name()), inputs);
  }

  /**
   * Evaluates the guards once and returns the index of the variant that takes {@code inputs} as
   * they are (compiling it if new), for later {@link #dispatchTo} calls. Level 3: the inputs must
   * already have a captured shape, else IllegalArgumentException.
   */
  public int select(Map<String, Tensor> inputs) {
    return switch (options.level()) {
      case 1 -> {
        int i = exact.select(inputs);
        yield i >= 0 ? i : generalSlot().index;
      }
      case 3 -> captureIndexOf(inputs);
      default -> 0;
    };
  }

  /**
   * Level 3: the index of the variant captured for exactly {@code batch} rows and {@code seq}
   * positions (pass 0 for a dim the graph does not have).
   *
   * @throws IllegalArgumentException when that pair is not captured
   */
  public int captureIndex(int batch, int seq) {
    int i = captured != null ? captured.captureIndex(batch, seq) : -1;
    if (i < 0) {
      throw new IllegalArgumentException(
          "CompileWrapper '"
              + name()
              + "': no variant captured for batch "
              + batch
              + " and seq "
              + seq
              + " (level "
              + options.level()
              + ", captureSizes "
              + options.captureSizes()
              + ", seqBuckets "
              + options.seqBuckets()
              + ")");
    }
    return i;
  }

  /**
   * Compiles every variant planned so far that is not compiled yet (level 3: the whole capture
   * grid; level 2: the general variant) and returns how many it compiled. Called by the constructor
   * when {@link CompileOptions#captureAhead()} is set.
   */
  public int capture() {
    int n = 0;
    for (Slot s : table.snapshot()) {
      if (s.compiledOrNull() == null) {
        s.variant(compiler);
        n++;
      }
    }
    return n;
  }

  /**
   * Level 3: the sequence length a call of {@code seq} positions is padded to (its bucket), or -1
   * when {@code seq} is above the largest bucket (the general variant runs it unpadded). At other
   * levels, and for a graph without a seq dim, {@code seq} itself.
   */
  public int seqBucket(int seq) {
    return captured != null ? captured.seqBucket(seq) : seq;
  }

  /**
   * Level 3: what a call of {@code rows} rows costs, in rows of its sequence bucket: the rows its
   * chunks are padded to, plus a fixed cost per chunk (a call streams every weight once), as the
   * wrapper cuts them. Times the bucket, it is the cost in tokens that {@code BatchRunner} weighs
   * when it decides where sorted rows are cut into calls. At other levels, {@code rows}.
   */
  public double rowCost(int rows) {
    return captured != null ? captured.rowCost(rows) : rows;
  }

  /**
   * The tokens (rows x positions) the variants run for one call of {@code rows} x {@code seq}, the
   * padding of level 3 included; {@code rows * seq} at other levels.
   */
  public long paddedTokens(int rows, int seq) {
    return captured != null ? captured.paddedTokens(rows, seq) : (long) rows * seq;
  }

  /**
   * Variant {@code index} itself (see {@link #select}, {@link #captureIndex}, {@link #stats}),
   * compiled first if it has not been yet: for tools that inspect or profile one variant.
   *
   * @throws IllegalArgumentException when there is no variant {@code index}
   */
  public CompiledVariant variant(int index) {
    return table.get(index, name()).variant(compiler);
  }

  /** The variants compiled so far, by index (not-yet-compiled level-3 variants are left out). */
  public List<CompiledVariant> variants() {
    List<CompiledVariant> out = new ArrayList<>();
    for (Slot s : table.snapshot()) {
      CompiledVariant v = s.compiledOrNull();
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * The variants this wrapper knows ahead, compiled or not: every captured variant at level 3, the
   * general one at level 2, the interpreter at level 0, those seen so far at level 1. For tools
   * that explain a plan before anything runs; compiles nothing.
   */
  public List<PlannedVariant> plan() {
    List<PlannedVariant> out = new ArrayList<>();
    for (Slot s : table.snapshot()) {
      out.add(new PlannedVariant(s.index, s.label, s.key, s.compiledOrNull() != null));
    }
    return out;
  }

  /**
   * The graph variant {@code index} is (or would be) compiled from: specialized to its shapes, or
   * simplified with symbolic dims. Compiles nothing.
   */
  public Graph plannedGraph(int index) {
    return table.get(index, name()).graph();
  }

  /**
   * Where the backend would run variant {@code index}'s ops and why ({@link Backend#placement}),
   * null when it runs them all itself. Compiles nothing.
   */
  public String placement(int index) {
    return backend.placement(plannedGraph(index));
  }

  /** Counters since the wrapper was built. */
  public WrapperStats stats() {
    List<WrapperStats.VariantStats> vs = new ArrayList<>();
    for (Slot s : table.snapshot()) {
      vs.add(
          new WrapperStats.VariantStats(
              s.index, s.label, s.compiledOrNull() != null, s.compileNanos(), s.dispatches.sum()));
    }
    return new WrapperStats(
        counters.calls.sum(),
        counters.compiles.sum(),
        counters.compileNanos.sum(),
        counters.generalCalls.sum(),
        counters.warnings.sum(),
        counters.realRows.sum(),
        counters.paddedRows.sum(),
        counters.realTokens.sum(),
        counters.paddedTokens.sum(),
        vs);
  }

  public CompileOptions options() {
    return options;
  }

  public int level() {
    return options.level();
  }

  /** The original graph, as given to the builder. */
  public Graph graph() {
    return graph;
  }

  /** The graph's name, used in logs and errors. */
  public String name() {
    return graph.name();
  }

  /** The backend that compiles the variants ({@code interp} at level 0). */
  public String backendName() {
    return backendName;
  }

  /** The content hash of the graph in every {@link VariantKey} of this wrapper. */
  public String graphHash() {
    return graphHash;
  }

  // ---- for the level dispatchers ----

  Map<String, Tensor> run(Slot slot, Map<String, Tensor> inputs) {
    slot.dispatches.increment();
    return slot.variant(compiler).run(inputs);
  }

  SlotTable table() {
    return table;
  }

  Counters counters() {
    return counters;
  }

  VariantCompiler compiler() {
    return compiler;
  }

  /** The general (symbolic) variant, planned on first need; level 2's only variant. */
  Slot generalSlot() {
    Slot g = general;
    if (g != null) {
      return g;
    }
    synchronized (this) {
      if (general == null) {
        general = table.add(i -> generalSlot(i, true));
      }
      return general;
    }
  }

  /** Level 1: a static variant for the exact shapes {@code g} guards. */
  Slot addStaticSlot(ShapeGuard g) {
    return table.add(
        i ->
            new Slot(
                i,
                g.describe(),
                key(g.keyShapes(), STATIC),
                g,
                false,
                () -> withInputShapes(g.shapes())));
  }

  private Slot generalSlot(int index, boolean mayFallBack) {
    return new Slot(
        index, "general", key(symbolicShapes(), GENERAL), null, mayFallBack, this::simplified);
  }

  private void addCaptureSlot(PadAxes axes, int batch, int seq) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    Map<String, List<Long>> keyShapes = new LinkedHashMap<>();
    for (ValueInfo in : graph.inputs()) {
      Shape s = in.type().shape();
      int[] dims = new int[s.rank()];
      List<Long> kd = new ArrayList<>();
      for (int d = 0; d < dims.length; d++) {
        Dim dim = s.dim(d);
        dims[d] =
            dim.isFixed()
                ? Math.toIntExact(dim.size())
                : ((Dim.Symbolic) dim).name().equals(axes.batchSym) ? batch : seq;
        kd.add((long) dims[d]);
      }
      shapes.put(in.name(), dims);
      keyShapes.put(in.name(), kd);
    }
    String label =
        (axes.batchSym != null ? "batch=" + batch : "")
            + (axes.batchSym != null && axes.seqSym != null ? " " : "")
            + (axes.seqSym != null ? "seq=" + seq : "")
            + (axes.batchSym == null && axes.seqSym == null ? "static" : "");
    VariantKey k = key(keyShapes, STATIC);
    Map<String, String> opts = new LinkedHashMap<>(k.options());
    opts.put("capture", batch + "x" + seq);
    VariantKey key = new VariantKey(k.graphHash(), k.backend(), k.inputShapes(), opts);
    table.add(
        i ->
            new Slot(
                i, label, key, null, false, () -> withInputShapes(shapes)));
  }

  private int captureIndexOf(Map<String, Tensor> inputs) {
    for (Slot s : table.snapshot()) {
      if (s.key.options().containsKey("capture") && fits(s.key, inputs)) {
        return s.index;
      }
    }
    throw new IllegalArgumentException(
        "CompileWrapper '"
            + name()
            + "': no captured variant takes these input shapes as they"
            + " are; pad them to a captured (batch, seq) or use call()");
  }

  private static boolean fits(VariantKey k, Map<String, Tensor> inputs) {
    for (Map.Entry<String, List<Long>> e : k.inputShapes().entrySet()) {
      Tensor t = inputs.get(e.getKey());
      if (t == null || t.rank() != e.getValue().size()) {
        return false;
      }
      for (int d = 0; d < t.rank(); d++) {
        if (t.dim(d) != e.getValue().get(d)) {
          return false;
        }
      }
    }
    return true;
  }

  private VariantKey key(Map<String, List<Long>> shapes, String variant) {
    Map<String, String> options = new java.util.TreeMap<>(backendOptions);
    options.put("variant", variant);
    return new VariantKey(graphHash, backendName, shapes, options);
  }

  /** The declared input shapes, -1 for symbolic dims. */
  private Map<String, List<Long>> symbolicShapes() {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    for (ValueInfo in : graph.inputs()) {
      Shape s = in.type().shape();
      List<Long> dims = new ArrayList<>();
      if (s.rankKnown()) {
        for (Dim d : s.dims()) {
          dims.add(d.isFixed() ? d.size() : -1L);
        }
      }
      m.put(in.name(), dims);
    }
    return m;
  }

  /**
   * Which engine runs the variants and why, when the builder was given a {@link
   * Builder#backendPolicy}; empty otherwise and at level 0.
   */
  public Optional<BackendChoice> backendChoice() {
    return Optional.ofNullable(choice);
  }

  /** The graph specialised to {@code shapes}; the original one for ONNX Runtime. */
  private Graph withInputShapes(Map<String, int[]> shapes) {
    return opaque ? graph : specializer().withInputShapes(graph, shapes);
  }

  /**
   * The graph with inference and folding run and its dims left symbolic (computed once); the
   * original one for ONNX Runtime, which may hold ops Ember cannot infer.
   */
  private Graph simplified() {
    if (opaque) {
      return graph;
    }
    Graph g = simplified;
    if (g == null) {
      synchronized (this) {
        if (simplified == null) {
          simplified = specializer().simplify(graph);
        }
        g = simplified;
      }
    }
    return g;
  }

  private static Specializer specializer() {
    // A fresh one per use: cheap, and keeps passes free of cross-thread state.
    return new Specializer(OpRegistry.standard(), (name, g) -> {});
  }

  /**
   * A reusable recipe for wrappers: options, backend, store, listener. Not thread-safe while being
   * configured; {@link #build} may be called many times.
   */
  public static final class Builder {
    private final CompileOptions options;
    // The one place dispatch names the interpreter: level 0 and the fallback unless set.
    private Backend reference = new InterpBackend();
    private Backend backend; // null: the reference backend
    private VariantStore store = VariantStore.none();
    private CompileListener listener = CompileListener.none();
    private String graphHash;
    private OnnxModel sourceModel;
    private boolean planOnly;
    private Map<String, String> backendOptions = Map.of();
    private BackendPolicy policy;

    private Builder(CompileOptions options) {
      this.options = Objects.requireNonNull(options, "options");
    }

    /** Compiles variants at levels 1 to 3; the reference backend (the interpreter) unless set. */
    public Builder backend(Backend b) {
      this.backend = Objects.requireNonNull(b, "backend");
      return this;
    }

    /**
     * Runs level 0, and the general variant when {@link #backend} cannot compile symbolic dims; the
     * interpreter unless set. It must take every graph the interpreter takes.
     */
    public Builder referenceBackend(Backend b) {
      this.reference = Objects.requireNonNull(b, "referenceBackend");
      return this;
    }

    /** Where variants are loaded from and saved to; {@link VariantStore#none()} unless set. */
    public Builder store(VariantStore s) {
      this.store = Objects.requireNonNull(s, "store");
      return this;
    }

    /** The store set with {@link #store(VariantStore)}. */
    public VariantStore store() {
      return store;
    }

    /** Told once about every new variant. */
    public Builder listener(CompileListener l) {
      this.listener = Objects.requireNonNull(l, "listener");
      return this;
    }

    /**
     * The model's content hash for variant keys, e.g. the SHA-256 of the ONNX file; unless set, the
     * wrapper hashes the graph and its weights itself.
     */
    public Builder graphHash(String hash) {
      this.graphHash = hash;
      return this;
    }

    /**
     * The model the wrapped graph was built from: the graph's weights that are the model's own
     * arrays are hashed as the model file's sha256 rather than byte by byte (0.1 to 0.2 s of a
     * MiniLM start). The graph's structure and any weight of its own are still hashed.
     */
    public Builder sourceModel(OnnxModel model) {
      this.sourceModel = model;
      return this;
    }

    public CompileOptions options() {
      return options;
    }

    /**
     * Backend options every variant is compiled with, e.g. {@code cpu.gemm=openblas}: they go into
     * each {@link VariantKey}, so the compile cache keeps variants built with other options apart.
     */
    public Builder backendOptions(Map<String, String> options) {
      this.backendOptions = Map.copyOf(options);
      return this;
    }

    /**
     * Builds a wrapper to inspect ({@link #plan()}, {@link #plannedGraph}) that compiles nothing at
     * build, even with {@link CompileOptions#captureAhead()}: for explaining a plan.
     */
    public Builder planOnly() {
      this.planOnly = true;
      return this;
    }

    /**
     * A wrapper over {@code graph}. At level 3 this checks that the graph can be captured and, with
     * {@link CompileOptions#captureAhead()}, compiles every variant before returning.
     *
     * @throws dev.ember.executor.errors.EmberException MODEL_UNSUPPORTED when level 3 cannot tell
     *     the batch and seq dims, or a compile error when capturing ahead
     */
    public CompileWrapper build(Graph graph) {
      return build(graph, (Supplier<byte[]>) null);
    }

    /**
     * Like {@link #build(Graph)}, with the model's ONNX bytes, which ONNX Runtime runs when the
     * {@link #backendPolicy} chooses it.
     *
     * @throws dev.ember.executor.errors.EmberException also UNSUPPORTED_OP under policy {@code
     *     ember} for ops Ember lacks, DEPENDENCY_MISSING when ONNX Runtime is chosen and absent
     */
    public CompileWrapper build(Graph graph, byte[] modelBytes) {
      return build(graph, modelBytes == null ? null : () -> modelBytes);
    }

    /**
     * Like {@link #build(Graph, byte[])}, with the model's bytes read only if ONNX Runtime runs it
     * (null: not at hand). The supplier is kept while the wrapper lives.
     */
    public CompileWrapper build(Graph graph, Supplier<byte[]> modelBytes) {
      return new CompileWrapper(this, Objects.requireNonNull(graph, "graph"), modelBytes);
    }

    /**
     * Which engine compiles the variants ({@code spark.ember.backend}): under {@code auto} a
     * graph with ops Ember lacks runs on ONNX Runtime, given the model bytes ({@link
     * #build(Graph, byte[])}). Unset, the {@link #backend} runs every graph (no op check at build).
     */
    public Builder backendPolicy(BackendPolicy p) {
      this.policy = Objects.requireNonNull(p, "policy");
      return this;
    }
  }
}
