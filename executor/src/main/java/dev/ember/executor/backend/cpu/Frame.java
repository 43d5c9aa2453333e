package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.Tensor;
import java.util.Arrays;

/**
 * Per-call state of a generated program, one per thread and program, reused across calls: the
 * value table (Tensors, float buffers, runtime shapes, indexed as {@code lower.BufferPlan} says),
 * the thread's arena, and the outputs being returned.
 */
public final class Frame {
  public final Tensor[] t;
  public final float[][] b;
  public final int[][] s;
  public Arena a;
  public Tensor[] out;

  Frame(int size) {
    t = new Tensor[size];
    b = new float[size][];
    s = new int[size][];
  }

  /** Drops references so that a finished call keeps nothing alive. */
  void clear() {
    Arrays.fill(t, null);
    Arrays.fill(b, null);
    Arrays.fill(s, null);
    out = null;
    a = null;
  }
}
