package dev.ember.executor.predict;

/**
 * Copies between a row (a dense block of {@code rowShape}) and its place in a larger batch block
 * whose dims are each at least as large: padding a short sequence up to the batch's longest, or
 * cropping it back. Works on any primitive or object array; the space a shorter row leaves in the
 * batch is left as it was (zeros in a fresh tensor).
 */
final class Blocks {
  private Blocks() {}

  /** Copies {@code src} (dense, {@code small}) into {@code dst} at {@code dstOffset} ({@code big}). */
  static void pad(Object src, int[] small, Object dst, int dstOffset, int[] big) {
    copy(src, 0, small, dst, dstOffset, big, small, 0);
  }

  /** Copies the {@code small} corner of {@code src} at {@code srcOffset} ({@code big}) into dense
   * {@code dst}. */
  static void crop(Object src, int srcOffset, int[] big, Object dst, int[] small) {
    copy(src, srcOffset, big, dst, 0, small, small, 0);
  }

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Copies the {@code extent} corner of one block into the other. */
  private static void copy(Object src, int srcOff, int[] srcShape, Object dst, int dstOff,
      int[] dstShape, int[] extent, int axis) {
    if (axis == 0 && java.util.Arrays.equals(srcShape, dstShape)) {
      System.arraycopy(src, srcOff, dst, dstOff, size(extent)); // same shape: one dense block
      return;
    }
    if (axis >= extent.length - 1) {
      int n = extent.length == 0 ? 1 : extent[axis];
      System.arraycopy(src, srcOff, dst, dstOff, n);
      return;
    }
    int srcStride = size(java.util.Arrays.copyOfRange(srcShape, axis + 1, srcShape.length));
    int dstStride = size(java.util.Arrays.copyOfRange(dstShape, axis + 1, dstShape.length));
    for (int i = 0; i < extent[axis]; i++) {
      copy(src, srcOff + i * srcStride, srcShape, dst, dstOff + i * dstStride, dstShape, extent,
          axis + 1);
    }
  }
}
