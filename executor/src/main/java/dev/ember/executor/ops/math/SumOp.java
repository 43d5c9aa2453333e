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

/** ONNX {@code Sum}: elementwise sum of 1..n inputs, broadcast together (opset 8 on). */
final class SumOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Sum")
          .since(6, 8, 13)
          .types(Numeric.TYPES)
          .summary("sum of 1..n inputs, broadcast")
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
    return List.of(
        Binary.fold(
            SPEC,
            ctx,
            (a, b) -> Binary.arith(SPEC, Arith.ADD, a, b, (x, y) -> x + y, (x, y) -> x + y)));
  }

  @Override
  public int arity(Node n) {
    return n.inputs().size();
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return String.join(" + ", x.all());
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return String.join(" + ", x.all());
  }
}
