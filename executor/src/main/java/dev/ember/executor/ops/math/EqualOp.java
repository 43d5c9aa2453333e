package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Equal}: A == B elementwise with broadcasting, as BOOL; strings since opset 19; NaN
 * equals nothing.
 */
final class EqualOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Equal")
          .since(7, 11, 13, 19)
          .types(Numeric.ALL)
          .summary("A == B, broadcast, to bool")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    MathTypes.sameType(ctx, SPEC, 0, 1);
    return MathTypes.broadcastAs(ctx, DType.BOOL, 0, 1);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(Binary.compare(SPEC, Relation.EQUAL, ctx.required(0), ctx.required(1)));
  }
}
