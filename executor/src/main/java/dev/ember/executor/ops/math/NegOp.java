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

/** ONNX {@code Neg}: y = -x, elementwise; integers wrap (-(-128) is -128 in int8). */
final class NegOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Neg").since(6, 13).types(Numeric.SIGNED).summary("-x, elementwise").build();

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
    return List.of(Unary.map(SPEC, ctx.required(0), x -> -x, x -> -x));
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return "-(" + x.in(0) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return "-(" + x.in(0) + ")";
  }
}
