package dev.ember.executor.ir;

import java.lang.reflect.Array;
import java.util.Arrays;

/** Arithmetic on static shapes: element counts, strides, numpy-style broadcasting. */
public final class Shapes {
  private Shapes() {}

  public static long numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  static int length(Object array) {
    return Array.getLength(array);
  }

  /** Row-major strides in elements. */
  public static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** Resolves a possibly negative axis against a rank, or returns -1 when out of range. */
  public static int normalizeAxis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return a < 0 || a >= rank ? -1 : (int) a;
  }

  /** The numpy broadcast of two shapes, or null when they are incompatible. */
  public static int[] broadcast(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da == db || db == 1) {
        out[i] = da;
      } else if (da == 1) {
        out[i] = db;
      } else {
        return null;
      }
    }
    return out;
  }

  /**
   * For each element of {@code out} (row-major), the index of the element of a tensor of shape
   * {@code in} that broadcasts onto it. {@code in} must broadcast to {@code out}.
   */
  public static int[] broadcastIndex(int[] in, int[] out) {
    int n = Math.toIntExact(numel(out));
    int[] idx = new int[n];
    int offset = out.length - in.length;
    int[] inStrides = strides(in);
    int[] effective = new int[out.length];
    for (int i = 0; i < in.length; i++) {
      effective[i + offset] = in[i] == 1 ? 0 : inStrides[i];
    }
    int[] counter = new int[out.length];
    int pos = 0;
    for (int k = 0; k < n; k++) {
      idx[k] = pos;
      for (int ax = out.length - 1; ax >= 0; ax--) {
        counter[ax]++;
        pos += effective[ax];
        if (counter[ax] < out[ax]) {
          break;
        }
        pos -= effective[ax] * counter[ax];
        counter[ax] = 0;
      }
    }
    return idx;
  }

  public static String str(int[] shape) {
    return Arrays.toString(shape);
  }
}
