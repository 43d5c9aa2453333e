package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Clip}: y = min(max(x, min), max), so when min > max every element becomes max (as
 * ONNX specifies). Bounds are float attributes before opset 11 (defaulting to +-FLT_MAX) and
 * optional scalar inputs from 11 on (an omitted bound does not clip); integer types since 12. NaN
 * elements stay NaN.
 */
final class ClipOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Clip")
          .since(6, 11, 12, 13)
          .types(Numeric.TYPES)
          .summary("clamp to [min, max]")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    if (ctx.node().opset() >= 11) {
      MathTypes.sameType(ctx, SPEC, 0, 1, 2);
    }
    return MathTypes.unary(ctx, SPEC);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    DType t = x.dtype();
    MathTypes.require(SPEC, t);
    boolean attrs = ctx.node().opset() < 11;
    if (attrs && !t.isFloating()) {
      // Opset 6-10 bounds are float attributes, and those opsets take no integer types.
      throw OpException.dtype(
          "Clip takes integer types only from opset 12 on; the model imports opset "
              + ctx.node().opset());
    }
    Tensor lo = attrs ? null : bound(ctx, 1, "min", t);
    Tensor hi = attrs ? null : bound(ctx, 2, "max", t);
    switch (t.storage()) {
      case FLOAT:
        {
          float min = attrs ? ctx.attrs().getFloat("min", -Float.MAX_VALUE) : floatOr(lo, -1);
          float max = attrs ? ctx.attrs().getFloat("max", Float.MAX_VALUE) : floatOr(hi, 1);
          float[] in = x.rawFloats();
          float[] out = new float[in.length];
          for (int i = 0; i < in.length; i++) {
            float v = in[i] < min ? min : in[i];
            out[i] = v > max ? max : v;
          }
          return List.of(Tensor.ofFloats(t, x.shape(), out));
        }
      case DOUBLE:
        {
          double min = attrs ? ctx.attrs().getFloat("min", -Float.MAX_VALUE) : doubleOr(lo, -1);
          double max = attrs ? ctx.attrs().getFloat("max", Float.MAX_VALUE) : doubleOr(hi, 1);
          double[] in = x.rawDoubles();
          double[] out = new double[in.length];
          for (int i = 0; i < in.length; i++) {
            double v = in[i] < min ? min : in[i];
            out[i] = v > max ? max : v;
          }
          return List.of(Tensor.ofDoubles(x.shape(), out));
        }
      default:
        return List.of(clipLongs(x, lo, hi));
    }
  }

  private static Tensor clipLongs(Tensor x, Tensor lo, Tensor hi) {
    // UINT64 compares unsigned: flipping the sign bit maps unsigned order onto signed order.
    long flip = x.dtype() == DType.UINT64 ? Long.MIN_VALUE : 0;
    long min = lo == null ? Long.MIN_VALUE : lo.rawLongs()[0] ^ flip;
    long max = hi == null ? Long.MAX_VALUE : hi.rawLongs()[0] ^ flip;
    long[] in = x.rawLongs();
    long[] out = new long[in.length];
    for (int i = 0; i < in.length; i++) {
      long v = in[i] ^ flip;
      v = v < min ? min : v;
      out[i] = (v > max ? max : v) ^ flip;
    }
    return Tensor.ofLongs(x.dtype(), x.shape(), out);
  }

  /** Input {@code i} as a one-element bound of the input's type, or null when omitted. */
  private static Tensor bound(KernelContext ctx, int i, String name, DType t) {
    Tensor b = ctx.input(i);
    if (b == null) {
      return null;
    }
    if (b.size() != 1) {
      throw OpException.shapes(
          "Clip " + name + " must be a scalar, but has shape " + Shapes.str(b.shape()));
    }
    if (b.dtype() != t) {
      throw OpException.dtype(
          "Clip "
              + name
              + " has element type "
              + b.dtype().onnxLowerName()
              + ", the input "
              + t.onnxLowerName()
              + "; ONNX requires them to match");
    }
    return b;
  }

  /** The bound's value, or +-infinity (no clipping) when it is omitted. */
  private static float floatOr(Tensor b, int infinitySign) {
    return b == null ? infinitySign * Float.POSITIVE_INFINITY : b.rawFloats()[0];
  }

  private static double doubleOr(Tensor b, int infinitySign) {
    return b == null ? infinitySign * Double.POSITIVE_INFINITY : b.rawDoubles()[0];
  }
}
