package dev.ember.executor.ops;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;

/**
 * Elementwise kernels with numpy broadcasting, one loop per storage kind. Float-stored types
 * compute in float (FLOAT16/BFLOAT16 round on store), integers in long (wrapped on store).
 */
public final class Elementwise {
  private Elementwise() {}

  /** A binary function for each storage kind; leave a kind null if the op does not take it. */
  public interface FloatFn {
    float apply(float a, float b);
  }

  public interface DoubleFn {
    double apply(double a, double b);
  }

  public interface LongFn {
    long apply(long a, long b);
  }

  public interface FloatUnary {
    float apply(float x);
  }

  public interface DoubleUnary {
    double apply(double x);
  }

  /** The broadcast shape of two tensors, or an OpException naming both shapes. */
  public static int[] broadcastShape(Tensor a, Tensor b) {
    int[] out = Shapes.broadcast(a.shape(), b.shape());
    if (out == null) {
      throw OpException.shapes(
          "shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape())
              + " cannot be broadcast together");
    }
    return out;
  }

  /** Applies a binary arithmetic op; both inputs must have the same element type. */
  public static Tensor binary(Tensor a, Tensor b, FloatFn ff, DoubleFn df, LongFn lf) {
    requireSameType(a, b);
    DType t = a.dtype();
    int[] shape = broadcastShape(a, b);
    int n = Math.toIntExact(Shapes.numel(shape));
    int[] ia = index(a, shape);
    int[] ib = index(b, shape);
    switch (t.storage()) {
      case FLOAT:
        if (ff == null) {
          break;
        }
        float[] fa = a.rawFloats();
        float[] fb = b.rawFloats();
        float[] fo = new float[n];
        for (int i = 0; i < n; i++) {
          fo[i] = ff.apply(fa[ia == null ? i : ia[i]], fb[ib == null ? i : ib[i]]);
        }
        return Tensor.ofFloats(t, shape, fo);
      case DOUBLE:
        if (df == null) {
          break;
        }
        double[] da = a.rawDoubles();
        double[] db = b.rawDoubles();
        double[] dout = new double[n];
        for (int i = 0; i < n; i++) {
          dout[i] = df.apply(da[ia == null ? i : ia[i]], db[ib == null ? i : ib[i]]);
        }
        return Tensor.ofDoubles(shape, dout);
      case LONG:
        if (lf == null) {
          break;
        }
        long[] la = a.rawLongs();
        long[] lb = b.rawLongs();
        long[] lo = new long[n];
        for (int i = 0; i < n; i++) {
          lo[i] = lf.apply(la[ia == null ? i : ia[i]], lb[ib == null ? i : ib[i]]);
        }
        return Tensor.ofLongs(t, shape, lo);
      default:
        break;
    }
    throw OpException.dtype("element type " + t.onnxLowerName() + " is not supported");
  }

  /** Applies a unary function to a float- or double-stored tensor. */
  public static Tensor unary(Tensor x, FloatUnary ff, DoubleUnary df) {
    DType t = x.dtype();
    if (t.storage() == DType.Storage.FLOAT && ff != null) {
      float[] in = x.rawFloats();
      float[] out = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = ff.apply(in[i]);
      }
      return Tensor.ofFloats(t, x.shape(), out);
    }
    if (t == DType.DOUBLE && df != null) {
      double[] in = x.rawDoubles();
      double[] out = new double[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = df.apply(in[i]);
      }
      return Tensor.ofDoubles(x.shape(), out);
    }
    throw OpException.dtype("element type " + t.onnxLowerName() + " is not supported");
  }

  /** Null when the tensor already has the output shape (no index needed), else its index map. */
  public static int[] index(Tensor t, int[] outShape) {
    return java.util.Arrays.equals(t.shape(), outShape)
        ? null
        : Shapes.broadcastIndex(t.shape(), outShape);
  }

  public static void requireSameType(Tensor a, Tensor b) {
    if (a.dtype() != b.dtype()) {
      throw OpException.dtype(
          "inputs have different element types " + a.dtype().onnxLowerName() + " and "
              + b.dtype().onnxLowerName());
    }
  }
}
