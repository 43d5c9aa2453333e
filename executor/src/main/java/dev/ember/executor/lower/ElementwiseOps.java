package dev.ember.executor.lower;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.OpRegistry;

/**
 * Which nodes the compiled backends can compute inside a fused elementwise loop, and why not when
 * they cannot. The op itself says (through {@link FusedElementwise}, found in the registry) its
 * arity, which operand types it takes and its expressions; this class adds the checks every loop
 * needs: one float output of known rank, operands no wider than the output.
 */
public final class ElementwiseOps {
  private ElementwiseOps() {}

  /** The fused-loop lowering of {@code n}'s op, or null when the op has none. */
  public static FusedElementwise of(Node n) {
    if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
      return null;
    }
    return OpRegistry.standard().find(n.domain(), n.opType()) instanceof FusedElementwise f
        ? f : null;
  }

  /** Null when {@code n} can go into a fused loop, else the reason it cannot. */
  static String whyNot(Graph g, Node n) {
    String op = n.opType();
    if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
      return "op domain '" + n.domain() + "' has no generated kernel";
    }
    FusedElementwise fused = of(n);
    if (fused == null) {
      return op + " has no generated kernel";
    }
    if (n.outputs().size() != 1) {
      return op + " with " + n.outputs().size() + " outputs";
    }
    TensorType out = g.typeOf(n.outputs().get(0));
    if (out == null || out.dtype() != DType.FLOAT) {
      return "output type " + out + " is not float (fused loops compute in float)";
    }
    if (!out.shape().rankKnown()) {
      return "output rank is unknown";
    }
    int arity = fused.arity(n);
    if (n.inputs().size() != arity || arity == 0) {
      return op + " with " + n.inputs().size() + " inputs";
    }
    String attrs = fused.whyNotFused(n);
    if (attrs != null) {
      return attrs;
    }
    for (int i = 0; i < arity; i++) {
      String in = n.input(i);
      if (in.isEmpty()) {
        return op + " input #" + i + " is omitted";
      }
      TensorType t = g.typeOf(in);
      if (t == null || !t.shape().rankKnown()) {
        return "input '" + in + "' has no known rank";
      }
      if (t.shape().rank() > out.shape().rank()) {
        return "input '" + in + "' has a higher rank than the output";
      }
      if (!fused.takesOperand(g, n, i, t.dtype())) {
        return op + " input '" + in + "' of type " + t.dtype().onnxLowerName()
            + " is not supported in a fused loop";
      }
    }
    return null;
  }
}
