package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Max}: elementwise maximum of 1..n inputs, broadcast together; NaN wins, as in numpy's
 * maximum. Integer types since opset 12; UINT64 compares unsigned.
 */
final class MaxOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Max")
          .since(6, 8, 12, 13)
          .types(Numeric.TYPES)
          .summary("maximum of 1..n inputs, broadcast")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return MathTypes.variadic(ctx, SPEC);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(Binary.fold(SPEC, ctx, MaxOp::max));
  }

  private static Tensor max(Tensor a, Tensor b) {
    return a.dtype() == DType.UINT64
        ? Binary.map(SPEC, a, b, null, null, (x, y) -> Long.compareUnsigned(x, y) >= 0 ? x : y)
        : Binary.map(SPEC, a, b, Math::max, Math::max, Math::max);
  }

  @Override
  public int arity(Node n) {
    return 2;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return "Math.max(" + x.in(0) + ", " + x.in(1) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return nanPropagating("fmaxf", x.in(0), x.in(1));
  }

  /** fmaxf ignores a NaN operand; ONNX Max returns NaN, as the reference kernel does. */
  static String nanPropagating(String f, String a, String b) {
    return "(" + a + " != " + a + " || " + b + " != " + b + ") ? " + a + " + " + b + " : " + f
        + "(" + a + ", " + b + ")";
  }
}
