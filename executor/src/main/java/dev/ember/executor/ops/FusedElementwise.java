package dev.ember.executor.ops;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;

/**
 * The lowering of an elementwise op into the compiled backends' fused loops: how many inputs the
 * loop reads, when a node cannot go into a loop, and the op's float expression in Java (CPU loop)
 * and in CUDA C, built from its operands' expressions. An {@link OpDef} implements it next to its
 * reference kernel, so adding an elementwise op is one class plus its registration line.
 *
 * <p>Fused loops compute in float (unary math in double, rounded once, as the reference kernels
 * do), so every operand and the output are float unless {@link #takesOperand} says otherwise.
 * Expressions may name the backends' helpers ({@code CpuMath.erfFast}, {@code ember_erf}).
 *
 * <pre>{@code
 * public String javaExpression(FusedOperands x) { return "(float) Math.exp(" + x.in(0) + ")"; }
 * public String cudaExpression(FusedOperands x) { return "expf(" + x.in(0) + ")"; }
 * }</pre>
 */
public interface FusedElementwise {
  /** The inputs the loop reads: 1 for unary ops, 2 for binary ones, the input count for Sum. */
  int arity(Node n);

  /** Null when the node's attributes allow a fused loop, else why not (shown by explain). */
  default String whyNotFused(Node n) {
    return null;
  }

  /** Whether the loop can read input {@code i} of element type {@code t}; float only unless set. */
  default boolean takesOperand(Graph g, Node n, int i, DType t) {
    return t == DType.FLOAT;
  }

  /**
   * Whether input {@code i}, when a one-element initializer, is written into the expression as a
   * literal (see {@link FusedOperands#constant}) rather than read from memory.
   */
  default boolean inlinesConstant(int i) {
    return false;
  }

  /** The Java float expression of the node for the CPU loop. */
  String javaExpression(FusedOperands x);

  /** The CUDA C float expression of the node for the GPU loop. */
  String cudaExpression(FusedOperands x);

  /** The value of a one-element numeric initializer, or null. */
  static Double scalarConstant(Graph g, String value) {
    Tensor t = g.initializers().get(value);
    if (t == null || t.size() != 1 || t.dtype() == DType.STRING || t.dtype() == DType.BOOL) {
      return null;
    }
    return t.getDouble(0);
  }
}
