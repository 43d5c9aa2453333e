package dev.ember.executor.backend.cpu.gemm;

import dev.ember.executor.ops.nn.Sgemm;

/**
 * The pure-Java GEMM of the reference MatMul ({@link Sgemm}, about 35 GFLOP/s on one AVX-512
 * core): always available, used when no native BLAS loads or when it measures fastest.
 */
public final class JavaGemm implements Gemm {
  private static final ThreadLocal<Sgemm.Workspace> WORKSPACE =
      ThreadLocal.withInitial(Sgemm.Workspace::new);

  private static final class Kept extends Prepared {
    Kept(float[] b, int k, int n, boolean transB) {
      super(b, k, n, transB);
    }
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public void multiply(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float beta, float[] c, int cOff, int ldc) {
    scale(m, n, beta, c, cOff, ldc);
    Sgemm.multiply(m, n, k, alpha, a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff, ldc,
        WORKSPACE.get());
  }

  @Override
  public Prepared prepare(float[] b, int k, int n, boolean transB) {
    return new Kept(b, k, n, transB);
  }

  @Override
  public void multiply(
      int m, float alpha, float[] a, int aOff, int lda, boolean transA,
      Prepared w, float beta, float[] c, int cOff, int ldc) {
    multiply(m, w.n, w.k, alpha, a, aOff, lda, transA, w.b, 0, w.ldb(), w.transB, beta, c, cOff,
        ldc);
  }

  /**
   * Does an empty product (m, n or k zero) and says whether it was one: with k = 0, C = beta * C.
   */
  static boolean empty(int m, int n, int k, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return true;
    }
    if (k == 0) {
      scale(m, n, beta, c, cOff, ldc);
      return true;
    }
    return false;
  }

  /** C = beta * C, with beta = 0 writing zeros whatever C held (NaN included). */
  static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    if (beta == 1f) {
      return;
    }
    for (int i = 0; i < m; i++) {
      int r = cOff + i * ldc;
      if (beta == 0f) {
        java.util.Arrays.fill(c, r, r + n, 0f);
      } else {
        for (int j = 0; j < n; j++) {
          c[r + j] *= beta;
        }
      }
    }
  }
}
