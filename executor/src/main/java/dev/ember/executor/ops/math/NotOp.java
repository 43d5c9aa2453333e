package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/** ONNX {@code Not}: logical negation of a BOOL tensor. */
final class NotOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Not").since(1).types(Numeric.BOOL).summary("logical not, elementwise").build();

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
    Tensor x = ctx.required(0);
    MathTypes.require(SPEC, x.dtype());
    boolean[] in = x.rawBools();
    boolean[] out = new boolean[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = !in[i];
    }
    return List.of(Tensor.ofBools(x.shape(), out));
  }
}
