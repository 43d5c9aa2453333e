package dev.ember.executor.ops.math;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Elementwise.LongFn;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Div}: C = A / B with numpy broadcasting. Integer division truncates toward zero as in
 * C; an integer division by zero fails (floats give inf or NaN as IEEE says).
 */
final class DivOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Div").since(7, 13, 14).types(Numeric.TYPES).summary("A / B, broadcast").build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return MathTypes.broadcast(ctx, SPEC, 0, 1);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor a = ctx.required(0);
    Tensor b = ctx.required(1);
    LongFn lf =
        a.dtype() == DType.UINT64
            ? (x, y) -> Long.divideUnsigned(x, nonZero(y))
            : (x, y) -> x / nonZero(y);
    return List.of(Binary.arith(SPEC, Arith.DIV, a, b, (x, y) -> x / y, lf));
  }

  private static long nonZero(long divisor) {
    if (divisor == 0) {
      throw new OpException(
          ErrorCode.KERNEL_FAILED,
          "integer division by zero",
          "keep zeros out of the divisor (e.g. Where(Equal(B, 0), 1, B)) or divide in float");
    }
    return divisor;
  }

  @Override
  public int arity(Node n) {
    return 2;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return x.in(0) + " / " + x.in(1);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.in(0) + " / " + x.in(1);
  }
}
