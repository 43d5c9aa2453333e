package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Elementwise unary kernels. Floating types compute in double and round once to their own type,
 * which is at least as accurate as C's float functions; integers compute in long and wrap.
 */
final class Unary {
  private Unary() {}

  /** Applies {@code f} to a floating tensor. */
  static Tensor floating(OpSpec spec, Tensor x, DoubleUnaryOperator f) {
    return map(spec, x, f, null);
  }

  /** Applies {@code f} to floating and {@code lf} (null if none) to integer tensors. */
  static Tensor map(OpSpec spec, Tensor x, DoubleUnaryOperator f, LongUnaryOperator lf) {
    DType t = x.dtype();
    MathTypes.require(spec, t);
    switch (t.storage()) {
      case FLOAT:
        {
          float[] in = x.rawFloats();
          float[] out = new float[in.length];
          for (int i = 0; i < in.length; i++) {
            out[i] = (float) f.applyAsDouble(in[i]);
          }
          return Tensor.ofFloats(t, x.shape(), out);
        }
      case DOUBLE:
        {
          double[] in = x.rawDoubles();
          double[] out = new double[in.length];
          for (int i = 0; i < in.length; i++) {
            out[i] = f.applyAsDouble(in[i]);
          }
          return Tensor.ofDoubles(x.shape(), out);
        }
      case LONG:
        if (lf != null) {
          long[] in = x.rawLongs();
          long[] out = new long[in.length];
          for (int i = 0; i < in.length; i++) {
            out[i] = lf.applyAsLong(in[i]);
          }
          return Tensor.ofLongs(t, x.shape(), out);
        }
        break;
      default:
        break;
    }
    throw OpException.dtype(spec.opType() + " does not take " + t.onnxLowerName());
  }
}
