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

/** ONNX {@code Mul}: C = A * B with numpy broadcasting; integers wrap. */
final class MulOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Mul").since(7, 13, 14).types(Numeric.TYPES).summary("A * B, broadcast").build();

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
    return List.of(
        Binary.arith(
            SPEC, Arith.MUL, ctx.required(0), ctx.required(1), (a, b) -> a * b, (a, b) -> a * b));
  }

  @Override
  public int arity(Node n) {
    return 2;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return x.in(0) + " * " + x.in(1);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.in(0) + " * " + x.in(1);
  }
}
