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
 * ONNX {@code QuantizeLinear}: y = saturate(round_half_even(x / y_scale) + y_zero_point), with
 * the scale and zero point per tensor, per axis or per block (see {@link QuantLayout}). y has the
 * zero point's type, or without one {@code output_dtype} (opset 21), else uint8. The division is
 * done in the scale's precision, as ONNX's reference does. Opset 19's {@code saturate} and 25's
 * {@code precision} only concern float8 outputs and a wider division, neither of which Ember has.
 */
final class QuantizeLinearOp implements OpDef {
  /** Types of x: floats, and int32 (opset 21). */
  private static final Set<DType> INPUTS =
      EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.INT32);

  static final OpSpec SPEC =
      OpSpec.of("QuantizeLinear")
          .since(10, 13, 19, 21, 23, 24, 25)
          .types(INPUTS)
          .summary("round(x / scale) + zero point, saturated to (u)int8/16; per tensor, axis or block")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    DType out;
    if (ctx.hasInput(2)) {
      TensorType zp = ctx.type(2);
      if (zp == null) {
        return Infer.one(null);
      }
      out = zp.dtype();
    } else {
      out = outputType(ctx.attrs().getInt("output_dtype", 0));
    }
    if (!QuantTypes.QUANTIZED.contains(out)) {
      throw OpException.dtype("QuantizeLinear does not produce " + out.onnxLowerName()
          + " (it produces " + QuantTypes.names(QuantTypes.QUANTIZED) + ")");
    }
    return Infer.one(new TensorType(out, x == null ? Shape.unknownRank() : x.shape()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    Tensor scale = ctx.required(1);
    Tensor zp = ctx.input(2);
    QuantTypes.require("QuantizeLinear", INPUTS, x, "x");
    QuantTypes.require("QuantizeLinear", QuantTypes.SCALES, scale, "y_scale");
    DType out = zp != null ? zp.dtype() : outputType(ctx.attrs().getInt("output_dtype", 0));
    if (zp != null) {
      QuantTypes.require("QuantizeLinear", QuantTypes.QUANTIZED, zp, "y_zero_point");
      if (!Arrays.equals(zp.shape(), scale.shape())) {
        throw OpException.shapes("QuantizeLinear y_zero_point shape "
            + Shapes.str(zp.shape()) + " differs from y_scale's "
            + Shapes.str(scale.shape()));
      }
    }
    QuantLayout layout = QuantLayout.of("QuantizeLinear", x.shape(), scale.shape(),
        ctx.attrs().getInt("axis", 1), ctx.attrs().getInt("block_size", 0));
    DType precision = scale.dtype();
    long[] y = new long[x.size()];
    for (int i = 0; i < y.length; i++) {
      int p = layout.at(i);
      double q;
      if (x.dtype() == DType.INT32) {
        q = x.getDouble(i) / scale.getDouble(p); // numpy divides int32 by a float in double
      } else {
        q = precision.round((float) x.getDouble(i) / (float) scale.getDouble(p));
      }
      // Round before adding the zero point: with an odd zero point, a tie would round otherwise.
      y[i] = QuantTypes.saturate(Math.rint(q) + (zp == null ? 0 : zp.getLong(p)), out);
    }
    return List.of(Tensor.ofLongs(out, x.shape(), y));
  }

  /** The output type without a zero point: {@code output_dtype}, 0 meaning the default uint8. */
  private static DType outputType(long code) {
    return code == 0
        ? DType.UINT8
        : QuantTypes.named("QuantizeLinear", "output_dtype", code, QuantTypes.QUANTIZED);
  }
}
