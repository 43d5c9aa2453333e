package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/** ONNX {@code And}: logical A and B on BOOL tensors, with broadcasting. */
final class AndOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("And").since(7).types(Numeric.BOOL).summary("A and B, broadcast").build();

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
    Tensor a = ctx.required(0);
    Tensor b = ctx.required(1);
    MathTypes.sameType(SPEC, a, b);
    BroadcastPlan p = BroadcastPlan.of(a, b);
    boolean[] x = a.rawBools();
    boolean[] y = b.rawBools();
    boolean[] out = new boolean[p.size];
    p.forEach((o, i, j) -> out[o] = x[i] && y[j]);
    return List.of(Tensor.ofBools(p.shape, out));
  }
}
