package dev.ember.executor.ops.nn;

import java.util.Arrays;

/**
 * Row-major single-precision matrix multiply, {@code C += alpha * op(A) * op(B)}, shared by MatMul
 * and Gemm. op(A) is m x k, op(B) is k x n, C is m x n; {@code ld*} are row strides in elements.
 *
 * <p>The loops run i-k-j so that the innermost loop walks contiguous rows of B and C and HotSpot's
 * SuperWord pass turns it into SIMD code. On JDK 17 that pass only vectorises a loop whose arrays
 * are all indexed by the same expression and that stores to one array, so B is packed into one
 * array per row (a KC x NC panel that stays in L2 and is reused by every row of A), and each row
 * of C is accumulated in a scratch array indexed from 0 and added into C once per panel. Four
 * rows of the panel are combined per pass to cut loads and stores per multiply-add. Packing also
 * takes care of a transposed B; A is read one scalar at a time outside the inner loop, so a
 * transposed A only swaps its strides. A product with few columns (attention's [S, S] x [S, 32])
 * would leave the inner loop too short to vectorise, so it is computed transposed, C^T = op(B)^T
 * op(A)^T, and added back. About 35 GFLOP/s on one AVX-512 core for n = 384..1024, against 7 for
 * the plain loop; sums are kept in float.
 */
public final class Sgemm {
  /** Rows of B per packed panel. */
  static final int KC = 256;

  /** Columns of B per packed panel; KC x NC floats is 512 KiB. */
  static final int NC = 512;

  /** Below this many columns (and with many more rows) the product is computed transposed. */
  static final int NARROW = 64;

  private Sgemm() {}

  /**
   * Scratch arrays, grown on demand and reused across the products of one op call (the matrices
   * of a batch). Not thread-safe: one per thread.
   */
  public static final class Workspace {
    private float[][] panel = new float[0][0];
    private int panelCols;
    private float[] acc = new float[0];
    private float[] transposed = new float[0];

    private float[][] panel(int rows, int cols) {
      if (panel.length < rows || panelCols < cols) {
        panelCols = Math.max(panelCols, cols);
        panel = new float[Math.max(panel.length, rows)][panelCols];
      }
      return panel;
    }

    private float[] acc(int n) {
      if (acc.length < n) {
        acc = new float[n];
      }
      return acc;
    }

    private float[] transposed(int n) {
      if (transposed.length < n) {
        transposed = new float[n];
      }
      return transposed;
    }
  }

  /**
   * Adds {@code alpha * op(A) * op(B)} to C. A's element (i, p) is {@code a[aOff + i*lda + p]}, or
   * {@code a[aOff + p*lda + i]} when {@code transA}; likewise for B.
   */
  public static void multiply(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float[] c, int cOff, int ldc,
      Workspace ws) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    if (n < NARROW && m >= 2 * n) {
      multiplyTransposed(m, n, k, alpha, a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff,
          ldc, ws);
      return;
    }
    int rowStride = transA ? 1 : lda;
    int colStride = transA ? lda : 1;
    float[][] panel = ws.panel(Math.min(KC, k), Math.min(NC, n));
    float[] acc = ws.acc(Math.min(NC, n));
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = Math.min(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        pack(b, bOff, ldb, transB, p0, kc, j0, nc, panel);
        for (int i = 0; i < m; i++) {
          row(alpha, a, aOff + i * rowStride + p0 * colStride, colStride, kc, panel, nc, acc);
          int c0 = cOff + i * ldc + j0;
          for (int j = 0; j < nc; j++) {
            c[c0 + j] += acc[j];
          }
        }
      }
    }
  }

  /** C += (op(B)^T op(A)^T)^T: the narrow op(B)^T becomes the rows, op(A)^T the wide panel. */
  private static void multiplyTransposed(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float[] c, int cOff, int ldc,
      Workspace ws) {
    float[] t = ws.transposed(n * m);
    Arrays.fill(t, 0, n * m, 0f);
    multiply(n, m, k, alpha, b, bOff, ldb, !transB, a, aOff, lda, !transA, t, 0, m, ws);
    for (int i = 0; i < m; i++) {
      int c0 = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[c0 + j] += t[j * m + i];
      }
    }
  }

  /** Copies op(B)[p0 .. p0+kc) x [j0 .. j0+nc) into {@code panel}, one array per row. */
  private static void pack(
      float[] b, int bOff, int ldb, boolean transB, int p0, int kc, int j0, int nc,
      float[][] panel) {
    if (!transB) {
      for (int p = 0; p < kc; p++) {
        System.arraycopy(b, bOff + (p0 + p) * ldb + j0, panel[p], 0, nc);
      }
      return;
    }
    for (int j = 0; j < nc; j++) {
      int src = bOff + (j0 + j) * ldb + p0; // stored row j0+j of B holds column j0+j of op(B)
      for (int p = 0; p < kc; p++) {
        panel[p][j] = b[src + p];
      }
    }
  }

  /** r = alpha * (one row of A starting at a0, elements cs apart) times the panel. */
  private static void row(
      float alpha, float[] a, int a0, int cs, int kc, float[][] panel, int nc, float[] r) {
    Arrays.fill(r, 0, nc, 0f);
    int p = 0;
    for (; p + 3 < kc; p += 4) {
      int q = a0 + p * cs;
      float u0 = alpha * a[q];
      float u1 = alpha * a[q + cs];
      float u2 = alpha * a[q + 2 * cs];
      float u3 = alpha * a[q + 3 * cs];
      float[] x0 = panel[p];
      float[] x1 = panel[p + 1];
      float[] x2 = panel[p + 2];
      float[] x3 = panel[p + 3];
      for (int j = 0; j < nc; j++) {
        r[j] += u0 * x0[j] + u1 * x1[j] + u2 * x2[j] + u3 * x3[j];
      }
    }
    for (; p < kc; p++) {
      float u = alpha * a[a0 + p * cs];
      float[] x = panel[p];
      for (int j = 0; j < nc; j++) {
        r[j] += u * x[j];
      }
    }
  }
}
