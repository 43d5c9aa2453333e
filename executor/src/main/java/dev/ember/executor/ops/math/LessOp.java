package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/** ONNX {@code Less}: A < B elementwise with broadcasting, as BOOL; NaN compares false. */
final class LessOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Less")
          .since(7, 9, 13)
          .types(Numeric.TYPES)
          .summary("A < B, broadcast, to bool")
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
    return List.of(Binary.compare(SPEC, Relation.LESS, ctx.required(0), ctx.required(1)));
  }
}
