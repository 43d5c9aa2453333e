package dev.ember.executor.backend.cpu;

/**
 * One thread's scratch floats: numbered slots that generated variants hand from one dead value to
 * the next (see {@code lower.BufferPlan}). One arena per thread is shared by every variant, since
 * a thread runs one variant at a time; a slot grows when a variant needs more and never shrinks.
 */
public final class Arena {
  private static final ThreadLocal<Arena> CURRENT = ThreadLocal.withInitial(Arena::new);

  private float[][] slots = new float[0][];
  private float[][] rows = new float[0][];

  private Arena() {}

  /** The calling thread's arena. */
  public static Arena current() {
    return CURRENT.get();
  }

  /** Slot {@code i}, at least {@code n} floats long; its contents are left over from before. */
  public float[] slot(int i, int n) {
    if (i >= slots.length) {
      float[][] grown = new float[Math.max(i + 1, slots.length * 2)][];
      System.arraycopy(slots, 0, grown, 0, slots.length);
      slots = grown;
    }
    float[] s = slots[i];
    if (s == null || s.length < n) {
      s = new float[n];
      slots[i] = s;
    }
    return s;
  }

  /**
   * Row buffer {@code i}, at least {@code n} floats: scratch a kernel copies one row into so that
   * its loop indexes every array alike (see {@code LoopEmitter}); separate from the slots, which
   * hold values.
   */
  public float[] row(int i, int n) {
    if (i >= rows.length) {
      float[][] grown = new float[Math.max(i + 1, rows.length * 2)][];
      System.arraycopy(rows, 0, grown, 0, rows.length);
      rows = grown;
    }
    float[] r = rows[i];
    if (r == null || r.length < n) {
      r = new float[n];
      rows[i] = r;
    }
    return r;
  }

  /** Floats held by this thread's arena, for tests and metrics. */
  public long floats() {
    long n = 0;
    for (float[] s : slots) {
      n += s == null ? 0 : s.length;
    }
    return n;
  }
}
