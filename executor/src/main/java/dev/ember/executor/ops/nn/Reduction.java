package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the ReduceXxx ops share. Axes come from the {@code axes} attribute before the opset where
 * they became the optional int64 input 1 (13 for ReduceSum, 18 for the others); no axes means
 * every axis, or none with {@code noop_with_empty_axes} (an attribute from that same opset).
 * Sums are accumulated in double for floating inputs and in wrapping long for integers, laid out
 * in the keepdims shape.
 */
final class Reduction {
  private Reduction() {}

  /** Reduced-axis mask of a node; null means a no-op (empty axes, noop_with_empty_axes set). */
  static boolean[] mask(KernelContext ctx, int rank, int axesInputSince) {
    Node node = ctx.node();
    long[] axes;
    if (node.opset() < axesInputSince) {
      axes = ctx.attrs().getInts("axes");
    } else {
      Tensor t = ctx.input(1);
      if (t != null && t.dtype() != DType.INT64) {
        throw OpException.dtype(
            node.opType() + " axes must be int64, got " + t.dtype().onnxLowerName());
      }
      axes = t == null ? null : t.toLongArray();
    }
    return mask(node, axes == null ? new long[0] : axes, rank, axesInputSince);
  }

  private static boolean[] mask(Node node, long[] axes, int rank, int axesInputSince) {
    boolean[] mask = new boolean[rank];
    if (axes.length == 0) {
      boolean noop = node.opset() >= axesInputSince
          && node.attrs().getInt("noop_with_empty_axes", 0) != 0;
      if (noop) {
        return null;
      }
      Arrays.fill(mask, true);
      return mask;
    }
    for (long a : axes) {
      int ax = Infer.axis(a, rank, node.opType() + " axis");
      if (mask[ax]) {
        throw OpException.attribute(node.opType() + " axes " + Arrays.toString(axes)
            + " name axis " + ax + " twice");
      }
      mask[ax] = true;
    }
    return mask;
  }

  static boolean keepDims(Node node) {
    return node.attrs().getInt("keepdims", 1) != 0;
  }

  /** The output shape: reduced axes become 1 (keepdims) or disappear. */
  static int[] outShape(int[] in, boolean[] mask, boolean keep) {
    int[] out = new int[in.length];
    int r = 0;
    for (int i = 0; i < in.length; i++) {
      if (!mask[i]) {
        out[r++] = in[i];
      } else if (keep) {
        out[r++] = 1;
      }
    }
    return Arrays.copyOf(out, r);
  }

  /** How many input elements feed each output element. */
  static long count(int[] in, boolean[] mask) {
    long n = 1;
    for (int i = 0; i < in.length; i++) {
      n *= mask[i] ? in[i] : 1;
    }
    return n;
  }

  /** Output type over symbolic dims; see {@link #mask(KernelContext, int, int)}. */
  static List<TensorType> infer(TypeContext ctx, OpSpec spec, int axesInputSince) {
    TensorType x = ctx.type(0);
    if (x == null) {
      return Infer.one(null);
    }
    NnTypes.require(spec, x.dtype(), "input");
    Node node = ctx.node();
    boolean keep = keepDims(node);
    long[] axes = null; // null: not known before running
    if (node.opset() < axesInputSince) {
      axes = ctx.attrs().getInts("axes");
      axes = axes == null ? new long[0] : axes;
    } else if (!ctx.hasInput(1)) {
      axes = new long[0];
    } else if (ctx.constant(1) != null) {
      axes = ctx.constant(1).toLongArray();
    }
    Shape in = x.shape();
    if (!in.rankKnown()) {
      return Infer.one(new TensorType(x.dtype(), Shape.unknownRank()));
    }
    List<Dim> out = new ArrayList<>();
    if (axes == null) {
      if (!keep && in.rank() > 0) {
        return Infer.one(new TensorType(x.dtype(), Shape.unknownRank()));
      }
      for (int i = 0; i < in.rank(); i++) {
        out.add(NnShapes.isOne(in.dim(i)) ? in.dim(i) : Infer.fresh(ctx, 0, i));
      }
      return Infer.one(new TensorType(x.dtype(), Shape.of(out)));
    }
    boolean[] mask = mask(node, axes, in.rank(), axesInputSince);
    if (mask == null) {
      return Infer.one(x);
    }
    for (int i = 0; i < in.rank(); i++) {
      if (!mask[i]) {
        out.add(in.dim(i));
      } else if (keep) {
        out.add(Dim.fixed(1));
      }
    }
    return Infer.one(new TensorType(x.dtype(), Shape.of(out)));
  }

  /** Sums of a FLOAT- or DOUBLE-stored tensor over the masked axes, in double. */
  static double[] sumDouble(Tensor x, boolean[] mask, int outSize) {
    double[] acc = new double[outSize];
    Rows rows = Rows.of(x.shape(), mask);
    if (rows == null) {
      return acc;
    }
    float[] f = x.dtype().storage() == DType.Storage.FLOAT ? x.rawFloats() : null;
    double[] d = f == null ? x.rawDoubles() : null;
    int len = rows.length;
    for (int r = 0; r < rows.outOffset.length; r++) {
      int base = r * len;
      int o = rows.outOffset[r];
      if (rows.lastReduced) {
        double s = 0;
        if (f != null) {
          for (int j = 0; j < len; j++) {
            s += f[base + j];
          }
        } else {
          for (int j = 0; j < len; j++) {
            s += d[base + j];
          }
        }
        acc[o] += s;
      } else if (f != null) {
        for (int j = 0; j < len; j++) {
          acc[o + j] += f[base + j];
        }
      } else {
        for (int j = 0; j < len; j++) {
          acc[o + j] += d[base + j];
        }
      }
    }
    return acc;
  }

  /** Sums of a LONG-stored tensor over the masked axes, wrapping. */
  static long[] sumLong(Tensor x, boolean[] mask, int outSize) {
    long[] acc = new long[outSize];
    Rows rows = Rows.of(x.shape(), mask);
    if (rows == null) {
      return acc;
    }
    long[] v = x.rawLongs();
    int len = rows.length;
    for (int r = 0; r < rows.outOffset.length; r++) {
      int base = r * len;
      int o = rows.outOffset[r];
      for (int j = 0; j < len; j++) {
        acc[rows.lastReduced ? o : o + j] += v[base + j];
      }
    }
    return acc;
  }

  /**
   * The input seen as rows along its last axis: for each row, the offset of its first element's
   * output. Null for an empty input.
   */
  private record Rows(int[] outOffset, int length, boolean lastReduced) {
    static Rows of(int[] shape, boolean[] mask) {
      if (shape.length == 0) {
        return new Rows(new int[] {0}, 1, false);
      }
      long n = Shapes.numel(shape);
      if (n == 0) {
        return null;
      }
      int rank = shape.length;
      int[] kept = shape.clone();
      for (int i = 0; i < rank; i++) {
        kept[i] = mask[i] ? 1 : shape[i];
      }
      int[] stride = Shapes.strides(kept);
      for (int i = 0; i < rank; i++) {
        stride[i] = mask[i] ? 0 : stride[i];
      }
      int len = shape[rank - 1];
      int[] offsets = new int[(int) (n / len)];
      int[] counter = new int[rank - 1];
      int pos = 0;
      for (int r = 0; r < offsets.length; r++) {
        offsets[r] = pos;
        for (int ax = rank - 2; ax >= 0; ax--) {
          counter[ax]++;
          pos += stride[ax];
          if (counter[ax] < shape[ax]) {
            break;
          }
          pos -= stride[ax] * counter[ax];
          counter[ax] = 0;
        }
      }
      return new Rows(offsets, len, mask[rank - 1]);
    }
  }
}
