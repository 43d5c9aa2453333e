package dev.ember.executor.lower;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import java.util.Set;

/**
 * Which nodes the CPU backend can compute inside a fused elementwise loop, and why not when it
 * cannot. Fused loops compute in float (unary math in double, rounded once, as the reference
 * kernels do), so every operand must be FLOAT, except a Cast's input (any number or bool), a
 * Where's condition (bool) and a Pow's constant scalar exponent.
 */
public final class ElementwiseOps {
  private ElementwiseOps() {}

  static final Set<String> UNARY =
      Set.of(
          "Sqrt", "Exp", "Log", "Erf", "Tanh", "Relu", "Sigmoid", "Neg", "Identity", "Gelu",
          "Cast");
  static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min");

  /** True when {@code opType} is one the fused loop knows. */
  public static boolean isElementwise(String opType) {
    return UNARY.contains(opType) || BINARY.contains(opType) || opType.equals("Where")
        || opType.equals("Sum");
  }

  /** Null when {@code n} can go into a fused loop, else the reason it cannot. */
  static String whyNot(Graph g, Node n) {
    String op = n.opType();
    if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
      return "op domain '" + n.domain() + "' has no generated kernel";
    }
    if (!isElementwise(op)) {
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
    int arity = op.equals("Sum") ? n.inputs().size() : UNARY.contains(op) ? 1 : op.equals(
        "Where") ? 3 : 2;
    if (n.inputs().size() != arity || arity == 0) {
      return op + " with " + n.inputs().size() + " inputs";
    }
    if (op.equals("Gelu")) {
      String approx = n.attrs().getString("approximate", "none");
      if (!approx.equals("none") && !approx.equals("tanh")) {
        return "Gelu approximate='" + approx + "'";
      }
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
      boolean ok;
      if (op.equals("Cast")) {
        ok = t.dtype() == DType.FLOAT || t.dtype() == DType.DOUBLE || t.dtype() == DType.BOOL
            || t.dtype() == DType.INT64 || t.dtype() == DType.INT32 || t.dtype() == DType.INT8
            || t.dtype() == DType.INT16 || t.dtype() == DType.UINT8;
      } else if (op.equals("Where") && i == 0) {
        ok = t.dtype() == DType.BOOL;
      } else if (op.equals("Pow") && i == 1) {
        ok = t.dtype() == DType.FLOAT || scalarConstant(g, in) != null;
      } else {
        ok = t.dtype() == DType.FLOAT;
      }
      if (!ok) {
        return op + " input '" + in + "' of type " + t.dtype().onnxLowerName()
            + " is not supported in a fused loop";
      }
    }
    return null;
  }

  /** The value of a one-element numeric initializer, or null. */
  public static Double scalarConstant(Graph g, String value) {
    Tensor t = g.initializers().get(value);
    if (t == null || t.size() != 1 || t.dtype() == DType.STRING || t.dtype() == DType.BOOL) {
      return null;
    }
    return t.getDouble(0);
  }
}
