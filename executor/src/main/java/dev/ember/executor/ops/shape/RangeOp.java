package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.math.BigInteger;
import java.util.List;

/**
 * ONNX {@code Range}: the 1-D tensor start, start + delta, ... up to limit (exclusive), with
 * max(ceil((limit - start) / delta), 0) elements; element i is start + i * delta, computed directly
 * rather than by accumulation so that errors do not grow along the tensor. Opset 27 adds float16
 * and bfloat16, computed in the {@code stash_type} precision (float by default) and rounded once
 * per element.
 */
final class RangeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Range")
          .since(11, 27)
          .types(
              DType.FLOAT,
              DType.DOUBLE,
              DType.INT16,
              DType.INT32,
              DType.INT64,
              DType.FLOAT16,
              DType.BFLOAT16)
          .summary("start, start + delta, ... below limit")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType t = ctx.type(0);
    if (t == null) {
      return Infer.one(null);
    }
    Tensor s = ctx.constant(0);
    Tensor l = ctx.constant(1);
    Tensor d = ctx.constant(2);
    Dim n = Infer.fresh(ctx, 0, 0);
    if (s != null && l != null && d != null) {
      n = Dim.fixed(count(s, l, d));
    }
    return Infer.one(Dims.type(t.dtype(), List.of(n)));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor s = ctx.required(0);
    Tensor l = ctx.required(1);
    Tensor d = ctx.required(2);
    int n = count(s, l, d);
    DType t = s.dtype();
    switch (t) {
      case INT16:
      case INT32:
      case INT64:
        {
          long start = s.getLong(0);
          long delta = d.getLong(0);
          long[] out = new long[n];
          for (int i = 0; i < n; i++) {
            out[i] = start + i * delta; // wraps like the C loop ONNX describes; ofLongs narrows
          }
          return List.of(Tensor.ofLongs(t, new int[] {n}, out));
        }
      case DOUBLE:
        {
          double start = s.rawDoubles()[0];
          double delta = d.rawDoubles()[0];
          double[] out = new double[n];
          for (int i = 0; i < n; i++) {
            out[i] = start + i * delta;
          }
          return List.of(Tensor.ofDoubles(new int[] {n}, out));
        }
      case FLOAT:
      case FLOAT16:
      case BFLOAT16:
        return List.of(Tensor.ofFloats(t, new int[] {n}, floats(ctx, t, s, d, n)));
      default:
        throw OpException.dtype(
            "Range takes float, double, int16, int32, int64, float16 or bfloat16, got "
                + t.onnxLowerName());
    }
  }

  /** Float-stored values in the stash precision; Tensor.ofFloats rounds them to the type. */
  private static float[] floats(KernelContext ctx, DType t, Tensor s, Tensor d, int n) {
    float start = s.rawFloats()[0];
    float delta = d.rawFloats()[0];
    long stash = t == DType.FLOAT ? 1 : ctx.attrs().getInt("stash_type", 1);
    float[] out = new float[n];
    if (stash == DType.FLOAT.onnxCode()) {
      for (int i = 0; i < n; i++) {
        out[i] = start + i * delta;
      }
    } else if (stash == DType.DOUBLE.onnxCode()) {
      for (int i = 0; i < n; i++) {
        out[i] = (float) ((double) start + (double) i * delta);
      }
    } else if (stash == t.onnxCode()) {
      for (int i = 0; i < n; i++) {
        out[i] = t.round(start + t.round(i * delta));
      }
    } else {
      throw OpException.attribute(
          "stash_type "
              + DType.onnxName((int) stash)
              + " is not supported for "
              + t.onnxLowerName()
              + " Range; use 1 (float), 11 (double) or the input type");
    }
    return out;
  }

  /** The element count, checked: same types, scalars, nonzero delta, at most a tensor's size. */
  static int count(Tensor s, Tensor l, Tensor d) {
    for (Tensor x : List.of(l, d)) {
      if (x.dtype() != s.dtype()) {
        throw OpException.dtype(
            "start, limit and delta must have one type, got "
                + s.dtype().onnxLowerName()
                + ", "
                + l.dtype().onnxLowerName()
                + " and "
                + d.dtype().onnxLowerName());
      }
    }
    for (Tensor x : List.of(s, l, d)) {
      if (x.size() != 1) {
        throw OpException.shapes(
            "start, limit and delta must be scalars, got a tensor of shape "
                + java.util.Arrays.toString(x.shape()));
      }
    }
    double n;
    if (s.dtype().isInteger()) {
      n = integerCount(s.getLong(0), l.getLong(0), d.getLong(0));
    } else {
      // As ONNX's own shape inference: the difference in float (the type, or the float stash
      // of float16), the division in double.
      double diff =
          s.dtype() == DType.DOUBLE
              ? l.getDouble(0) - s.getDouble(0)
              : (float) l.getDouble(0) - (float) s.getDouble(0);
      double delta = d.getDouble(0);
      n = delta == 0 ? Double.NaN : Math.ceil(diff / delta);
    }
    if (Double.isNaN(n) || n > Elements.MAX_ELEMENTS) {
      throw OpException.attribute(
          "Range("
              + s.getDouble(0)
              + ", "
              + l.getDouble(0)
              + ", "
              + d.getDouble(0)
              + ") would have "
              + (Double.isNaN(n) ? "an undefined number of" : "too many (" + n + ")")
              + " elements; delta must be nonzero and the range finite");
    }
    return (int) Math.max(n, 0);
  }

  private static double integerCount(long start, long limit, long delta) {
    if (delta == 0) {
      return Double.NaN;
    }
    // Exact: limit - start can overflow a long for int64 inputs.
    BigInteger diff = BigInteger.valueOf(limit).subtract(BigInteger.valueOf(start));
    BigInteger[] qr = diff.divideAndRemainder(BigInteger.valueOf(delta));
    BigInteger q = qr[0];
    if (qr[1].signum() != 0 && qr[1].signum() == Long.signum(delta)) {
      q = q.add(BigInteger.ONE); // round toward +infinity, i.e. ceil
    }
    return q.doubleValue();
  }
}
