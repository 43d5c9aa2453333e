package dev.ember.executor.passes;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records a type for every node output in {@link Graph#valueTypes()}, walking nodes in order and
 * asking each op's {@link OpDef#inferTypes}. Constant inputs (initializers) are handed to the op so
 * data-dependent shapes (Reshape, Expand, ...) resolve. Graph output types are refined too.
 *
 * <p>Inference is advisory: a node whose op the registry lacks, or whose inference cannot tell,
 * leaves its outputs unknown; the interpreter reports unsupported ops when the graph runs. Only a
 * definite contradiction on fully known inputs (an {@link OpException}) fails, as an {@link
 * EmberException} naming the node.
 *
 * <pre>{@code Graph typed = ShapeInference.run(model.graph());}</pre>
 */
public final class ShapeInference implements GraphPass {
  private final OpRegistry registry;

  public ShapeInference(OpRegistry registry) {
    this.registry = registry;
  }

  /** Runs inference with the standard op registry. */
  public static Graph run(Graph g) {
    return new ShapeInference(OpRegistry.standard()).apply(g);
  }

  @Override
  public String name() {
    return "shape-inference";
  }

  @Override
  public Graph apply(Graph g) {
    Map<String, TensorType> types = new LinkedHashMap<>(g.valueTypes());
    for (Node node : g.nodes()) {
      List<TensorType> inTypes = new ArrayList<>(node.inputs().size());
      List<Tensor> constants = new ArrayList<>(node.inputs().size());
      for (String in : node.inputs()) {
        inTypes.add(in.isEmpty() ? null : typeOf(g, types, in));
        constants.add(in.isEmpty() ? null : g.initializers().get(in));
      }
      List<TensorType> outTypes = infer(node, inTypes, constants);
      for (int k = 0; k < node.outputs().size(); k++) {
        String out = node.outputs().get(k);
        TensorType t = outTypes != null && k < outTypes.size() ? outTypes.get(k) : null;
        TensorType merged = TypeMerge.merge(types.get(out), t);
        if (!out.isEmpty() && merged != null) {
          types.put(out, merged);
        }
      }
    }
    List<ValueInfo> outputs = new ArrayList<>(g.outputs().size());
    for (ValueInfo out : g.outputs()) {
      TensorType inferred = typeOf(g, types, out.name());
      outputs.add(new ValueInfo(out.name(), TypeMerge.merge(out.type(), inferred)));
    }
    return g.with(g.nodes(), outputs, g.initializers(), types);
  }

  private static TensorType typeOf(Graph g, Map<String, TensorType> inferred, String value) {
    for (ValueInfo in : g.inputs()) {
      if (in.name().equals(value)) {
        return in.type();
      }
    }
    Tensor init = g.initializers().get(value);
    return init != null ? init.type() : inferred.get(value);
  }

  /** The op's output types, or null when they cannot be known before running. */
  private List<TensorType> infer(Node node, List<TensorType> inTypes, List<Tensor> constants) {
    if (!registry.supports(node.domain(), node.opType())) {
      return null;
    }
    OpDef op;
    try {
      op = registry.lookup(node);
    } catch (EmberException e) {
      return null; // an opset Ember does not serve: the interpreter will say so when it runs
    }
    try {
      return op.inferTypes(new TypeContext(node, inTypes, constants));
    } catch (OpException e) {
      if (!allKnown(node, inTypes)) {
        return null;
      }
      throw Errors.atNode(
          e.code(),
          node.describe(),
          e.getMessage() + "; input types " + describe(node, inTypes),
          e.fix(),
          e);
    } catch (EmberException e) {
      if (!allKnown(node, inTypes)) {
        return null;
      }
      // Already says what and how to fix; add where, without repeating the code prefix.
      String msg = e.getMessage().substring(e.code().name().length() + 2);
      throw Errors.atNode(e.code(), node.describe(), msg, null, e);
    } catch (RuntimeException e) {
      // A flaw in an op's inference must not block a graph the kernels can run; leave the
      // outputs unknown so that later passes simply do not rely on them.
      return null;
    }
  }

  private static boolean allKnown(Node node, List<TensorType> inTypes) {
    for (int i = 0; i < node.inputs().size(); i++) {
      if (!node.inputs().get(i).isEmpty() && inTypes.get(i) == null) {
        return false;
      }
    }
    return true;
  }

  static String describe(Node node, List<TensorType> inTypes) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < inTypes.size(); i++) {
      String name = node.input(i);
      sb.append(i > 0 ? ", " : "").append(name.isEmpty() ? "<omitted>" : "'" + name + "' ");
      if (!name.isEmpty()) {
        sb.append(inTypes.get(i) == null ? "?" : inTypes.get(i).toString());
      }
    }
    return sb.append(']').toString();
  }
}
