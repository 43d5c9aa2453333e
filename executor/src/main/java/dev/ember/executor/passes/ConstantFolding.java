package dev.ember.executor.passes;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates, once, every node whose inputs are all constants (initializers or outputs folded
 * earlier in the same walk) with the op's reference kernel, and replaces its outputs by
 * initializers. {@code Shape} and {@code Size} fold as soon as the dimensions they report are
 * static, even when their input is not constant. Nodes whose outputs nobody reads are removed
 * afterwards (see {@link DeadNodes}).
 *
 * <p>Outputs above {@code maxElements} are never materialised, so a large {@code ConstantOfShape}
 * or {@code Expand} stays a lazy node; a {@code Constant} node folds at any size, since its value
 * already exists. A node whose kernel fails on its constants is left in place: the interpreter
 * reports the failure, with its context, when the graph runs.
 *
 * <pre>{@code Graph folded = ConstantFolding.run(ShapeInference.run(graph));}</pre>
 */
public final class ConstantFolding implements GraphPass {
  /** Default cap on the elements of one folded output: 1M, a few MiB at most. */
  public static final long DEFAULT_MAX_ELEMENTS = 1L << 20;

  // Outputs that must differ between runs; folding would freeze one draw.
  private static final Set<String> NONDETERMINISTIC =
      Set.of(
          "RandomNormal",
          "RandomUniform",
          "RandomNormalLike",
          "RandomUniformLike",
          "Multinomial",
          "Bernoulli",
          "Dropout");

  // Outputs that can be far larger than the inputs; fold only with a known output size.
  private static final Set<String> GROWING =
      Set.of(
          "ConstantOfShape",
          "Expand",
          "Tile",
          "Range",
          "Resize",
          "Upsample",
          "Pad",
          "OneHot",
          "MatMul",
          "Gemm",
          "EyeLike");

  private final OpRegistry registry;
  private final long maxElements;

  public ConstantFolding(OpRegistry registry, long maxElements) {
    this.registry = registry;
    this.maxElements = maxElements;
  }

  /** Folds with the standard op registry and the default size cap. */
  public static Graph run(Graph g) {
    return new ConstantFolding(OpRegistry.standard(), DEFAULT_MAX_ELEMENTS).apply(g);
  }

  @Override
  public String name() {
    return "constant-folding";
  }

  @Override
  public Graph apply(Graph g) {
    Map<String, Tensor> constants = new LinkedHashMap<>(g.initializers());
    Map<String, TensorType> types = new LinkedHashMap<>(g.valueTypes());
    List<Node> kept = new ArrayList<>(g.nodes().size());
    for (Node node : g.nodes()) {
      List<Tensor> values = fold(g, node, constants, types);
      if (values == null) {
        kept.add(node);
        continue;
      }
      for (int k = 0; k < node.outputs().size(); k++) {
        String out = node.outputs().get(k);
        if (!out.isEmpty()) {
          constants.put(out, values.get(k));
          types.remove(out); // an initializer carries its own type
        }
      }
    }
    return DeadNodes.remove(g.with(kept, g.outputs(), constants, types));
  }

  /** The node's output values when it can be folded, else null. */
  private List<Tensor> fold(
      Graph g, Node node, Map<String, Tensor> constants, Map<String, TensorType> types) {
    if (hasSubgraph(node)) {
      return null; // If/Loop/Scan bodies may read outer values this walk does not track
    }
    if (isDefaultDomain(node)) {
      if (NONDETERMINISTIC.contains(node.opType())) {
        return null;
      }
      if (node.opType().equals("Shape") || node.opType().equals("Size")) {
        try {
          Tensor t = ShapeFolds.fold(node, typeOf(g, constants, types, node.input(0)));
          if (t != null && wantsOnlyFirstOutput(node)) {
            return List.of(t);
          }
        } catch (EmberException e) {
          return null; // a malformed start/end: the kernel reports it when the graph runs
        }
      }
    }
    return evaluate(node, constants, types);
  }

  private List<Tensor> evaluate(
      Node node, Map<String, Tensor> constants, Map<String, TensorType> types) {
    List<Tensor> inputs = new ArrayList<>(node.inputs().size());
    long inputElements = 0;
    for (String in : node.inputs()) {
      Tensor t = in.isEmpty() ? null : constants.get(in);
      if (!in.isEmpty() && t == null) {
        return null;
      }
      inputs.add(t);
      inputElements += t == null ? 0 : t.size();
    }
    // A Constant's value already exists in its attribute: moving it costs nothing, at any size.
    boolean free = node.opType().equals("Constant") && isDefaultDomain(node);
    if (!registry.supports(node.domain(), node.opType())
        || !free && !sizeAllowed(node, types, inputElements)) {
      return null;
    }
    try {
      OpDef op = registry.lookup(node);
      List<Tensor> out = op.evaluate(new KernelContext(node, inputs));
      return outputsUsable(node, out, free) ? out : null;
    } catch (OpException | EmberException e) {
      return null; // left for the interpreter, which reports it with the run's context
    } catch (RuntimeException e) {
      return null; // a kernel flaw on these constants; running the node reports it as a bug
    }
  }

  /**
   * Whether evaluating may go ahead: every output's inferred size is within the cap; where a size
   * is not known, only for ops whose output cannot outgrow their inputs, and small inputs.
   */
  private boolean sizeAllowed(Node node, Map<String, TensorType> types, long inputElements) {
    for (String out : node.outputs()) {
      if (out.isEmpty()) {
        continue;
      }
      TensorType t = types.get(out);
      if (t != null && t.shape().isStatic()) {
        if (numel(t) > maxElements) {
          return false;
        }
      } else if (GROWING.contains(node.opType()) || inputElements > maxElements) {
        return false;
      }
    }
    return true;
  }

  private boolean outputsUsable(Node node, List<Tensor> out, boolean free) {
    for (int k = 0; k < node.outputs().size(); k++) {
      if (node.outputs().get(k).isEmpty()) {
        continue;
      }
      if (out == null || k >= out.size() || out.get(k) == null) {
        return false;
      }
      if (!free && out.get(k).size() > maxElements) {
        return false;
      }
    }
    return true;
  }

  private static long numel(TensorType t) {
    long n = 1;
    try {
      for (int i = 0; i < t.shape().rank(); i++) {
        n = Math.multiplyExact(n, t.shape().dim(i).size());
      }
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
    return n;
  }

  private static TensorType typeOf(
      Graph g, Map<String, Tensor> constants, Map<String, TensorType> types, String value) {
    Tensor c = constants.get(value);
    if (c != null) {
      return c.type();
    }
    TensorType t = types.get(value);
    return t != null ? t : g.typeOf(value);
  }

  private static boolean wantsOnlyFirstOutput(Node node) {
    for (int k = 1; k < node.outputs().size(); k++) {
      if (!node.outputs().get(k).isEmpty()) {
        return false;
      }
    }
    return !node.outputs().isEmpty();
  }

  private static boolean isDefaultDomain(Node node) {
    return node.domain().isEmpty() || node.domain().equals("ai.onnx");
  }

  private static boolean hasSubgraph(Node node) {
    for (AttrValue v : node.attrs().asMap().values()) {
      if (v instanceof AttrValue.GraphAttr || v instanceof AttrValue.GraphsAttr) {
        return true;
      }
    }
    return false;
  }
}
