package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code DynamicQuantizeLinear}: quantizes float x to uint8 with a scale and zero point
 * computed from x's range widened to include 0, so that 0 is exact: scale = (max(0, max x) -
 * min(0, min x)) / 255, zero point = saturate(round(0 - min / scale)), y = saturate(round(x /
 * scale) + zero point). The arithmetic is float32 as in ONNX's reference. An all-zero x (scale 0)
 * gives scale 0, zero point 0 and y 0, where the formula would divide by zero.
 */
final class DynamicQuantizeLinearOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("DynamicQuantizeLinear")
          .since(11)
          .types(DType.FLOAT)
          .summary("float to uint8 with scale and zero point from the input's range")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    return List.of(
        new TensorType(DType.UINT8, x == null ? Shape.unknownRank() : x.shape()),
        new TensorType(DType.FLOAT, Shape.of()),
        new TensorType(DType.UINT8, Shape.of()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    QuantTypes.require("DynamicQuantizeLinear", SPEC.types(), x, "x");
    float[] v = x.rawFloats();
    float lo = 0f;
    float hi = 0f;
    for (float f : v) {
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
    }
    float scale = (hi - lo) / 255f;
    long[] y = new long[v.length];
    long zp = 0;
    if (scale != 0f) {
      zp = QuantTypes.saturate(0f - lo / scale, DType.UINT8);
      // QuantTypes.saturate(rint(v / scale) + zp) inlined: this loop is a quantized model's
      // hottest reference kernel. saturate's own rint is dropped: rint(v / scale) + zp is already
      // a whole number. A NaN element gives 0 as saturate does.
      double z = zp;
      for (int i = 0; i < v.length; i++) {
        double q = Math.rint(v[i] / scale) + z;
        y[i] = q >= 255.0 ? 255 : q > 0.0 ? (long) q : 0;
      }
    }
    return List.of(
        Tensor.ofLongs(DType.UINT8, x.shape(), y),
        Tensor.ofFloats(new int[0], new float[] {scale}),
        Tensor.ofLongs(DType.UINT8, new int[0], new long[] {zp}));
  }
}
