package dev.ember.executor.ops.math;

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

/** ONNX {@code Relu}: y = max(x, 0), elementwise; NaN stays NaN. Signed integers since opset 14. */
final class ReluOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Relu")
          .since(6, 13, 14)
          .types(Numeric.SIGNED)
          .summary("max(x, 0), elementwise")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return MathTypes.unary(ctx, SPEC);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(Unary.map(SPEC, ctx.required(0), x -> x < 0 ? 0 : x, x -> Math.max(x, 0)));
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return x.in(0) + " < 0f ? 0f : " + x.in(0);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.in(0) + " < 0.0f ? 0.0f : " + x.in(0);
  }
}
