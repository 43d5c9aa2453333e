package dev.ember.executor.lower;

import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Float tensors laid side by side along their last axis (a {@link Kernel.GemmGroup}'s weights
 * and biases), made once per set of parts: every variant of a model is lowered anew, and the
 * CUDA device uploads a weight once per tensor object, so a fresh copy per variant would put
 * one more copy of the merged weights on the device for each.
 */
final class SideBySide {
  /**
   * Merged tensors by their first part (held weakly: a model's weights go with the model).
   * Tensors compare by identity, so a part is found again only as the same object. Guarded by
   * itself: variants lowered at once on several threads must still get one merged tensor.
   */
  private static final Map<Tensor, List<Made>> MADE = new WeakHashMap<>();

  /** A merged tensor and its parts after the first (the key, which this must not hold). */
  private record Made(List<Tensor> rest, Tensor merged) {}

  private SideBySide() {}

  /**
   * {@code parts} (float, the same number of rows: elements over the last dim) side by side,
   * shaped {@code shape}: row r of the result is row r of each part in turn.
   */
  static Tensor of(List<Tensor> parts, int[] shape) {
    List<Tensor> rest = parts.subList(1, parts.size());
    synchronized (MADE) {
      List<Made> made = MADE.computeIfAbsent(parts.get(0), k -> new ArrayList<>());
      for (Made m : made) {
        if (sameObjects(m.rest(), rest)) {
          return m.merged();
        }
      }
      Tensor merged = merge(parts, shape);
      made.add(new Made(List.copyOf(rest), merged));
      return merged;
    }
  }

  private static Tensor merge(List<Tensor> parts, int[] shape) {
    int width = shape[shape.length - 1];
    int rows = 1;
    for (int i = 0; i < shape.length - 1; i++) {
      rows *= shape[i];
    }
    float[] out = new float[rows * width];
    int offset = 0;
    for (Tensor t : parts) {
      float[] src = t.rawFloats();
      int n = src.length / rows;
      if (n * rows != src.length) {
        throw new IllegalArgumentException(
            "a part of " + src.length + " floats does not have " + rows + " rows");
      }
      for (int r = 0; r < rows; r++) {
        System.arraycopy(src, r * n, out, r * width + offset, n);
      }
      offset += n;
    }
    if (offset != width) {
      throw new IllegalArgumentException("parts are " + offset + " wide, not " + width);
    }
    return Tensor.ofFloats(shape, out);
  }

  private static boolean sameObjects(List<Tensor> a, List<Tensor> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
