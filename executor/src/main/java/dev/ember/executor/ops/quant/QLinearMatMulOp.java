package dev.ember.executor.ops.quant;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import dev.ember.executor.ops.nn.BatchedMatMul;
import java.util.List;

/**
 * ONNX {@code QLinearMatMul}: y = saturate(round_half_even(C * a_scale * b_scale / y_scale) +
 * y_zero_point) with C the exact int32 product of the shifted operands ({@link IntegerProduct}).
 * As in ONNX's reference, the multiplier a_scale * b_scale / y_scale is computed in the scales'
 * type (float16 scales round after each step, opset 21) and applied in double. Scales and y's
 * zero point are per tensor; a per-row or per-column scale is refused, not approximated.
 */
final class QLinearMatMulOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("QLinearMatMul")
          .since(10, 21)
          .types(QuantTypes.BYTES)
          .summary("quantized matmul: int32 product rescaled to y's scale and zero point")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType yZp = ctx.type(7);
    if (yZp == null) {
      return Infer.one(null);
    }
    return Infer.one(
        new TensorType(yZp.dtype(), BatchedMatMul.inferShape(ctx, ctx.type(0), ctx.type(3))));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor aScale = scalar(ctx.required(1), "a_scale");
    Tensor bScale = scalar(ctx.required(4), "b_scale");
    Tensor yScale = scalar(ctx.required(6), "y_scale");
    Tensor yZp = scalar(ctx.required(7), "y_zero_point");
    QuantTypes.require("QLinearMatMul", QuantTypes.BYTES, yZp, "y_zero_point");
    DType st = aScale.dtype();
    if (bScale.dtype() != st || yScale.dtype() != st) {
      throw OpException.dtype("QLinearMatMul scales must share one type, got "
          + st.onnxLowerName() + ", " + bScale.dtype().onnxLowerName() + " and "
          + yScale.dtype().onnxLowerName());
    }
    QuantTypes.require("QLinearMatMul", QuantTypes.SCALES, aScale, "a_scale");
    Tensor c = IntegerProduct.multiply(
        "QLinearMatMul", ctx.required(0), ctx.required(2), ctx.required(3), ctx.required(5));
    float ab = st.round((float) aScale.getDouble(0) * (float) bScale.getDouble(0));
    double multiplier = st.round(ab / (float) yScale.getDouble(0));
    long zp = yZp.getLong(0);
    long[] acc = c.rawLongs();
    long[] y = new long[acc.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = QuantTypes.saturate(Math.rint(acc[i] * multiplier) + zp, yZp.dtype());
    }
    return List.of(Tensor.ofLongs(yZp.dtype(), c.shape(), y));
  }

  private static Tensor scalar(Tensor t, String what) {
    if (t.size() != 1) {
      throw new OpException(
          ErrorCode.UNSUPPORTED_OP,
          "QLinearMatMul " + what + " of shape " + Shapes.str(t.shape())
              + " is per row or column; Ember implements per-tensor scales and output zero point",
          "quantize the model per tensor (e.g. onnxruntime quantize_static per_channel=False)");
    }
    return t;
  }
}
