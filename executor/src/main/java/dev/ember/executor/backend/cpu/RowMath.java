package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.cpu.gemm.VectorGemm;

/**
 * Row passes that generated kernels call rather than emit, because Java loops cannot be fast at
 * them: softmax's exp has no vector form in a plain loop (C2 calls the scalar {@code Math.exp}:
 * the pass takes 8-9 ns an element), while the Vector API's runs the JDK's vector exp (1-4 ns an
 * element on rows of 16 to 48 floats, AMD EPYC).
 */
public final class RowMath {
  /** Whether this JVM has the Vector API (started with --add-modules=jdk.incubator.vector). */
  private static final boolean VECTOR = VectorGemm.moduleLoaded();

  private RowMath() {}

  /** Softmax in place of {@code a[off, off + n)}. */
  public static void softmax(float[] a, int off, int n) {
    if (VECTOR) {
      VectorRows.softmax(a, off, n);
    } else {
      softmaxScalar(a, off, n);
    }
  }

  static void softmaxScalar(float[] a, int off, int n) {
    float mx = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      mx = Math.max(mx, a[off + j]);
    }
    double sum = 0;
    for (int j = 0; j < n; j++) {
      float e = (float) Math.exp(a[off + j] - mx);
      a[off + j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int j = 0; j < n; j++) {
      a[off + j] *= inv;
    }
  }
}
