package dev.ember.executor.ops.shape;

import dev.ember.executor.ops.OpException;

/**
 * One axis of a Slice after ONNX's clamping: the first index read, the step, and how many elements
 * are read. Kept apart from {@link SliceOp} so that type inference and the kernel clamp
 * identically.
 */
record SliceRange(long start, long step, long count) {

  /**
   * Clamps start and end for a dim of size {@code dim} exactly as the ONNX spec says: negative
   * values count from the end; then for a positive step both are clamped to [0, dim], for a
   * negative step start to [0, dim-1] and end to [-1, dim-1]. The count is max(0, ceil((end -
   * start) / step)).
   */
  static SliceRange of(long start, long end, long step, long dim, int axis) {
    if (step == 0) {
      throw OpException.attribute("Slice step for axis " + axis + " is 0; steps must be nonzero");
    }
    if (dim == 0) {
      return new SliceRange(0, step, 0);
    }
    long s = start < 0 ? start + dim : start; // start < 0, so the sum cannot overflow
    long e = end < 0 ? end + dim : end;
    long count;
    if (step > 0) {
      s = clamp(s, 0, dim);
      e = clamp(e, 0, dim);
      count = e > s ? ceilDiv(e - s, step) : 0;
    } else {
      s = clamp(s, 0, dim - 1);
      e = clamp(e, -1, dim - 1);
      // Long.MIN_VALUE has no negation; any step that large reads one element all the same.
      count = s > e ? ceilDiv(s - e, step == Long.MIN_VALUE ? Long.MAX_VALUE : -step) : 0;
    }
    return new SliceRange(s, step, count);
  }

  /**
   * Whether start:end:step reads every element of an axis of any size in order, as exporters write
   * "x[0:]" (0 to INT64_MAX) or "x[::-1]" does in reverse. Type inference keeps a symbolic dim for
   * such slices.
   */
  static boolean coversAll(long start, long end, long step) {
    long huge = Elements.MAX_ELEMENTS;
    if (step == 1) {
      return (start == 0 || start <= -huge) && end >= huge;
    }
    return step == -1 && (start == -1 || start >= huge) && end <= -huge - 1;
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static long ceilDiv(long a, long b) {
    // Unlike (a + b - 1) / b, this cannot overflow when the step is near Long.MAX_VALUE.
    return -Math.floorDiv(-a, b);
  }
}
