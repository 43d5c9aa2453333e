package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * ONNX {@code DequantizeLinear}: y = (x - x_zero_point) * x_scale, with the scale and zero point
 * per tensor, per axis or per block (see {@link QuantLayout}). As in ONNX's reference, x and the
 * zero point are each converted to float32, subtracted and multiplied in float32, then rounded to
 * the output type: the scale's type, or {@code output_dtype} when set (opset 23).
 */
final class DequantizeLinearOp implements OpDef {
  /** Types of x: the quantized integers, and int32 (opset 10 on, zero point 0). */
  private static final Set<DType> INPUTS =
      EnumSet.of(DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32);

  static final OpSpec SPEC =
      OpSpec.of("DequantizeLinear")
          .since(10, 13, 19, 21, 23, 24, 25)
          .types(INPUTS)
          .summary("(x - zero point) * scale; per tensor, axis or block")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    TensorType scale = ctx.type(1);
    if (scale == null) {
      return Infer.one(null);
    }
    DType out = outputType(ctx.attrs().getInt("output_dtype", 0), scale.dtype());
    return Infer.one(new TensorType(out, x == null ? Shape.unknownRank() : x.shape()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    Tensor scale = ctx.required(1);
    Tensor zp = ctx.input(2);
    QuantTypes.require("DequantizeLinear", INPUTS, x, "x");
    QuantTypes.require("DequantizeLinear", QuantTypes.SCALES, scale, "x_scale");
    if (zp != null) {
      if (zp.dtype() != x.dtype()) {
        throw OpException.dtype("DequantizeLinear x_zero_point is "
            + zp.dtype().onnxLowerName() + " but x is " + x.dtype().onnxLowerName()
            + "; ONNX requires one type");
      }
      if (!Arrays.equals(zp.shape(), scale.shape())) {
        throw OpException.shapes("DequantizeLinear x_zero_point shape " + Shapes.str(zp.shape())
            + " differs from x_scale's " + Shapes.str(scale.shape()));
      }
    }
    DType out = outputType(ctx.attrs().getInt("output_dtype", 0), scale.dtype());
    QuantLayout layout = QuantLayout.of("DequantizeLinear", x.shape(), scale.shape(),
        ctx.attrs().getInt("axis", 1), ctx.attrs().getInt("block_size", 0));
    long[] xs = x.rawLongs();
    float[] y = new float[xs.length];
    for (int i = 0; i < y.length; i++) {
      int p = layout.at(i);
      float shifted = (float) xs[i] - (zp == null ? 0f : (float) zp.rawLongs()[p]);
      y[i] = shifted * (float) scale.getDouble(p);
    }
    return List.of(Tensor.ofFloats(out, x.shape(), y));
  }

  private static DType outputType(long code, DType scaleType) {
    return code == 0
        ? scaleType
        : QuantTypes.named("DequantizeLinear", "output_dtype", code, QuantTypes.SCALES);
  }
}
