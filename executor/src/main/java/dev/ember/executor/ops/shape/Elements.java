package dev.ember.executor.ops.shape;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.Arrays;

/**
 * Storage-kind-generic element handling for the data-movement ops: these ops never look at values,
 * so one code path serves float[], double[], long[], boolean[] and String[] storage. {@link
 * System#arraycopy} is itself generic over array kinds, which is what makes this cheap.
 */
final class Elements {
  /** The largest element count a Java array (and so a Tensor) can hold. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Elements() {}

  /** A new, zeroed backing array of {@code t}'s storage kind. */
  static Object alloc(DType t, int n) {
    switch (t.storage()) {
      case FLOAT:
        return new float[n];
      case DOUBLE:
        return new double[n];
      case LONG:
        return new long[n];
      case BOOL:
        return new boolean[n];
      default:
        return new String[n];
    }
  }

  /** Wraps a freshly built array whose values came from tensors of the same type. */
  static Tensor wrap(DType t, int[] shape, Object data) {
    // No rounding or wrapping is needed: every element was already valid for the type.
    return Tensor.wrap(t, shape, data);
  }

  /**
   * A shape computed from untrusted values (model attributes or input data) as int dims; throws an
   * OpException for negative sizes or more elements than a tensor can hold, so that callers check
   * before they allocate.
   */
  static int[] checkedShape(long[] dims, String what) {
    int[] out = new int[dims.length];
    boolean empty = false;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw OpException.shapes(
            what + " " + Arrays.toString(dims) + " has negative size " + dims[i] + " at axis " + i);
      }
      if (dims[i] > MAX_ELEMENTS) {
        throw tooLarge(what, dims);
      }
      out[i] = (int) dims[i];
      empty |= dims[i] == 0;
    }
    long n = 1;
    for (int i = 0; i < dims.length && !empty; i++) {
      n *= dims[i]; // both factors are below 2^31, so the long cannot overflow
      if (n > MAX_ELEMENTS) {
        throw tooLarge(what, dims);
      }
    }
    return out;
  }

  /**
   * a * b for non-negative sizes, or Long.MAX_VALUE once either exceeds what a tensor can hold, so
   * that a later size check reports "too large" instead of a silently wrapped product.
   */
  static long saturatedProduct(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a > MAX_ELEMENTS || b > MAX_ELEMENTS ? Long.MAX_VALUE : a * b;
  }

  private static OpException tooLarge(String what, long[] dims) {
    return new OpException(
        ErrorCode.SHAPE_MISMATCH,
        what
            + " "
            + Arrays.toString(dims)
            + " has more than "
            + MAX_ELEMENTS
            + " elements, more than a tensor can hold",
        "check the shape values feeding this node; split the batch if it is genuinely this large");
  }

  /** Fills {@code dst[from, to)} with element {@code srcIdx} of {@code src} (same kind). */
  static void fill(Object dst, int from, int to, Object src, int srcIdx) {
    if (dst instanceof float[] d) {
      Arrays.fill(d, from, to, ((float[]) src)[srcIdx]);
    } else if (dst instanceof double[] d) {
      Arrays.fill(d, from, to, ((double[]) src)[srcIdx]);
    } else if (dst instanceof long[] d) {
      Arrays.fill(d, from, to, ((long[]) src)[srcIdx]);
    } else if (dst instanceof boolean[] d) {
      Arrays.fill(d, from, to, ((boolean[]) src)[srcIdx]);
    } else {
      Arrays.fill((Object[]) dst, from, to, ((Object[]) src)[srcIdx]);
    }
  }

  /** Copies {@code n} elements from {@code src} (every {@code stride}-th from {@code s}). */
  static void strided(Object src, int s, int stride, Object dst, int d, int n) {
    if (stride == 1) {
      System.arraycopy(src, s, dst, d, n);
    } else if (stride == 0) {
      fill(dst, d, d + n, src, s);
    } else if (dst instanceof float[] fd) {
      float[] fs = (float[]) src;
      for (int i = 0; i < n; i++, s += stride) {
        fd[d + i] = fs[s];
      }
    } else if (dst instanceof double[] dd) {
      double[] ds = (double[]) src;
      for (int i = 0; i < n; i++, s += stride) {
        dd[d + i] = ds[s];
      }
    } else if (dst instanceof long[] ld) {
      long[] ls = (long[]) src;
      for (int i = 0; i < n; i++, s += stride) {
        ld[d + i] = ls[s];
      }
    } else if (dst instanceof boolean[] bd) {
      boolean[] bs = (boolean[]) src;
      for (int i = 0; i < n; i++, s += stride) {
        bd[d + i] = bs[s];
      }
    } else {
      Object[] od = (Object[]) dst;
      Object[] os = (Object[]) src;
      for (int i = 0; i < n; i++, s += stride) {
        od[d + i] = os[s];
      }
    }
  }

  /**
   * Writes, row-major into {@code dst} from {@code dstOffset}, the elements of a strided view of
   * {@code src}: element (i0, i1, ...) of the view is {@code src[offset + sum(ik * strides[k])]}.
   * Strides may be 0 (broadcast) or negative (reversed slices). Transpose, Slice, Expand and Tile
   * are all such views; adjacent axes that are contiguous with each other are merged first so that
   * the innermost run is as long as possible and copied in bulk.
   */
  static void copyView(
      Object src, int offset, int[] dims, int[] strides, Object dst, int dstOffset) {
    int[] d = new int[dims.length];
    int[] st = new int[dims.length];
    int r = 0;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] == 0) {
        return;
      }
      if (dims[i] == 1) {
        continue;
      }
      if (r > 0 && st[r - 1] == strides[i] * dims[i]) {
        d[r - 1] *= dims[i];
        st[r - 1] = strides[i];
      } else {
        d[r] = dims[i];
        st[r] = strides[i];
        r++;
      }
    }
    if (r == 0) {
      System.arraycopy(src, offset, dst, dstOffset, 1);
      return;
    }
    int inner = d[r - 1];
    int innerStride = st[r - 1];
    long outer = 1;
    for (int i = 0; i < r - 1; i++) {
      outer *= d[i];
    }
    int[] counter = new int[r - 1];
    int pos = offset;
    int out = dstOffset;
    for (long o = 0; o < outer; o++) {
      strided(src, pos, innerStride, dst, out, inner);
      out += inner;
      for (int ax = r - 2; ax >= 0; ax--) {
        counter[ax]++;
        pos += st[ax];
        if (counter[ax] < d[ax]) {
          break;
        }
        pos -= st[ax] * d[ax];
        counter[ax] = 0;
      }
    }
  }

  /** Row-major strides of a static shape, in elements. */
  static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** The product of {@code shape[from, to)}. */
  static int product(int[] shape, int from, int to) {
    int n = 1;
    for (int i = from; i < to; i++) {
      n *= shape[i];
    }
    return n;
  }
}
