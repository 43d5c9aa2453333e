package dev.ember.bench;

/** Comparisons of embedding vectors, shared by the CPU benchmark and the GPU check. */
public final class Vectors {
  private Vectors() {}

  /** Cosine of two embeddings; -1 for a missing, mismatched, zero or NaN vector, so checks fail. */
  public static double cosine(float[] a, float[] b) {
    if (a == null || b == null || a.length != b.length) {
      return -1.0; // a missing or odd vector fails the check
    }
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    double c = dot / Math.sqrt(na * nb);
    return Double.isNaN(c) ? -1.0 : c; // NaN (a zero or broken vector) must fail the check too
  }
}
