package dev.ember.executor.dispatch;

/**
 * Copies a box of elements between two row-major arrays of the same kind (float[], long[], ...),
 * one {@link System#arraycopy} per innermost run: the one primitive behind padding inputs, slicing
 * outputs and joining split batches.
 */
final class Regions {
  private Regions() {}

  /**
   * Copies the box of size {@code count} at {@code srcOff} in {@code src} (shape {@code srcShape})
   * to {@code dstOff} in {@code dst} (shape {@code dstShape}). All arrays have the same rank.
   */
  static void copy(
      Object src,
      int[] srcShape,
      int[] srcOff,
      Object dst,
      int[] dstShape,
      int[] dstOff,
      int[] count) {
    int r = count.length;
    if (r == 0) {
      System.arraycopy(src, 0, dst, 0, 1);
      return;
    }
    for (int c : count) {
      if (c == 0) {
        return;
      }
    }
    long[] srcStride = strides(srcShape);
    long[] dstStride = strides(dstShape);
    int run = count[r - 1];
    int[] idx = new int[r];
    while (true) {
      long s = 0;
      long d = 0;
      for (int k = 0; k < r; k++) {
        s += (srcOff[k] + idx[k]) * srcStride[k];
        d += (dstOff[k] + idx[k]) * dstStride[k];
      }
      System.arraycopy(src, Math.toIntExact(s), dst, Math.toIntExact(d), run);
      int k = r - 2;
      while (k >= 0 && ++idx[k] == count[k]) {
        idx[k] = 0;
        k--;
      }
      if (k < 0) {
        return;
      }
    }
  }

  private static long[] strides(int[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int k = shape.length - 1; k >= 0; k--) {
      s[k] = acc;
      acc *= shape[k];
    }
    return s;
  }
}
