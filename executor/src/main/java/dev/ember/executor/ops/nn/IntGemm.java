package dev.ember.executor.ops.nn;

/**
 * Row-major integer matrix multiply, {@code C += alpha * op(A) * op(B)} in wrapping 64-bit
 * arithmetic (the caller wraps the result to the element width; wrapping is exact for unsigned
 * types too). Integer products are rare in models, so this is the plain i-k-j loop.
 */
final class IntGemm {
  private IntGemm() {}

  /** Same operand layout as {@link Sgemm#multiply}. */
  static void multiply(
      int m, int n, int k, long alpha,
      long[] a, int aOff, int lda, boolean transA,
      long[] b, int bOff, int ldb, boolean transB,
      long[] c, int cOff, int ldc) {
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    int bRow = transB ? 1 : ldb;
    int bCol = transB ? ldb : 1;
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int p = 0; p < k; p++) {
        long u = alpha * a[aOff + i * aRow + p * aCol];
        if (u == 0) {
          continue;
        }
        int bp = bOff + p * bRow;
        for (int j = 0; j < n; j++) {
          c[ci + j] += u * b[bp + j * bCol];
        }
      }
    }
  }
}
