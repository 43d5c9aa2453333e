package dev.ember.executor.passes;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Fixes a graph's input shapes and simplifies it for them: binds the symbolic dimensions, then runs
 * {@link ShapeInference} and {@link ConstantFolding} until neither changes the graph. For a
 * transformer this folds the Shape → Gather → Unsqueeze → Concat → Reshape chains into constant
 * shapes. The input graph is not changed; the result still runs on the interpreter.
 *
 * <pre>{@code
 * Graph g2 = Specializer.specialize(model.graph(), Map.of("input_ids", new int[] {2, 7}));
 * }</pre>
 */
public final class Specializer {
  /** Rounds of inference plus folding before giving up on a fixed point; real graphs need 2-4. */
  static final int MAX_ROUNDS = 32;

  private final List<GraphPass> passes;
  private final BiConsumer<String, Graph> afterEachPass;

  /**
   * @param afterEachPass called with the pass name and its result after every pass, e.g. {@code
   *     (name, g) -> GraphVerifier.verify(g)} in tests
   */
  public Specializer(OpRegistry registry, BiConsumer<String, Graph> afterEachPass) {
    this.passes =
        List.of(
            new ShapeInference(registry),
            new ConstantFolding(registry, ConstantFolding.DEFAULT_MAX_ELEMENTS));
    this.afterEachPass = afterEachPass;
  }

  /** Specialises to static input shapes, given per input name, with the standard registry. */
  public static Graph specialize(Graph g, Map<String, int[]> inputShapes) {
    return new Specializer(OpRegistry.standard(), (n, r) -> {}).withInputShapes(g, inputShapes);
  }

  /** Specialises by binding symbolic dimensions ({@code batch_size -> 2}), standard registry. */
  public static Graph specializeDims(Graph g, Map<String, Long> dims) {
    return new Specializer(OpRegistry.standard(), (n, r) -> {}).withDims(g, dims);
  }

  /**
   * Gives the named inputs these static shapes (other inputs keep theirs, with any symbolic dim the
   * given shapes bind), then simplifies. Throws BAD_INPUT when a name is not a graph input or a
   * shape contradicts the declared one.
   */
  public Graph withInputShapes(Graph g, Map<String, int[]> inputShapes) {
    Map<String, Long> dims = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : inputShapes.entrySet()) {
      ValueInfo in = input(g, e.getKey());
      bindFrom(g, in, e.getValue(), dims);
    }
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfo in : g.inputs()) {
      int[] fixed = inputShapes.get(in.name());
      TensorType t =
          fixed != null
              ? new TensorType(in.type().dtype(), Shape.of(fixed))
              : bind(in.type(), dims);
      inputs.add(new ValueInfo(in.name(), t));
    }
    return simplify(bindAll(g.withInputs(inputs), dims));
  }

  /** Binds symbolic dimensions by name everywhere in the graph, then simplifies. */
  public Graph withDims(Graph g, Map<String, Long> dims) {
    for (Map.Entry<String, Long> e : dims.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0) {
        throw Errors.of(
            ErrorCode.BAD_INPUT,
            "dimension '"
                + e.getKey()
                + "' of graph '"
                + g.name()
                + "' cannot be bound to "
                + e.getValue(),
            "give every symbolic dimension a size >= 0");
      }
    }
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfo in : g.inputs()) {
      inputs.add(new ValueInfo(in.name(), bind(in.type(), dims)));
    }
    return simplify(bindAll(g.withInputs(inputs), dims));
  }

  /** Runs inference and folding to a fixed point without changing any input type. */
  public Graph simplify(Graph g) {
    Graph cur = g;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Graph before = cur;
      for (GraphPass p : passes) {
        cur = p.apply(cur);
        afterEachPass.accept(p.name(), cur);
      }
      if (sameState(before, cur)) {
        return cur;
      }
    }
    return cur; // still changing: every round was valid on its own, so this graph is usable
  }

  private static boolean sameState(Graph a, Graph b) {
    return a.nodes().size() == b.nodes().size()
        && a.initializers().keySet().equals(b.initializers().keySet())
        && a.valueTypes().equals(b.valueTypes())
        && a.outputs().equals(b.outputs());
  }

  private static Graph bindAll(Graph g, Map<String, Long> dims) {
    Map<String, TensorType> types = new LinkedHashMap<>();
    g.valueTypes().forEach((k, v) -> types.put(k, bind(v, dims)));
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfo out : g.outputs()) {
      outputs.add(new ValueInfo(out.name(), bind(out.type(), dims)));
    }
    return g.with(g.nodes(), outputs, g.initializers(), types);
  }

  private static TensorType bind(TensorType t, Map<String, Long> dims) {
    return new TensorType(t.dtype(), t.shape().bind(dims));
  }

  private static ValueInfo input(Graph g, String name) {
    for (ValueInfo in : g.inputs()) {
      if (in.name().equals(name)) {
        return in;
      }
    }
    throw Errors.of(
        ErrorCode.BAD_INPUT,
        "'"
            + name
            + "' is not an input of graph '"
            + g.name()
            + "' (inputs: "
            + g.inputs().stream().map(i -> i.name() + " " + i.type()).toList()
            + ")",
        "specialise only the graph's inputs");
  }

  /** Checks {@code shape} against the declared type and records the symbols it binds. */
  private static void bindFrom(Graph g, ValueInfo in, int[] shape, Map<String, Long> dims) {
    Shape declared = in.type().shape();
    if (!declared.rankKnown()) {
      return;
    }
    if (declared.rank() != shape.length) {
      throw contradiction(g, in, shape, "rank " + shape.length + " != " + declared.rank());
    }
    for (int i = 0; i < shape.length; i++) {
      Dim d = declared.dim(i);
      if (shape[i] < 0) {
        throw contradiction(g, in, shape, "size " + shape[i] + " on axis " + i);
      }
      if (d.isFixed() && d.size() != shape[i]) {
        throw contradiction(g, in, shape, "axis " + i + " is fixed to " + d.size());
      }
      if (d instanceof Dim.Symbolic s) {
        Long prev = dims.putIfAbsent(s.name(), (long) shape[i]);
        if (prev != null && prev != shape[i]) {
          throw contradiction(
              g, in, shape, "dimension '" + s.name() + "' is already bound to " + prev);
        }
      }
    }
  }

  private static RuntimeException contradiction(Graph g, ValueInfo in, int[] shape, String why) {
    return Errors.of(
        ErrorCode.BAD_INPUT,
        "cannot specialise input '"
            + in.name()
            + "' of graph '"
            + g.name()
            + "' (declared "
            + in.type()
            + ") to "
            + Arrays.toString(shape)
            + ": "
            + why,
        "give a shape that matches the declared one");
  }
}
