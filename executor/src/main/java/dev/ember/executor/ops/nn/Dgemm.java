package dev.ember.executor.ops.nn;

import java.util.Arrays;

/**
 * Row-major double-precision matrix multiply, {@code C += alpha * op(A) * op(B)}: the same
 * packed i-k-j scheme as {@link Sgemm} (read its notes), with a panel half as wide so that it
 * takes the same 512 KiB. Java has no generics over primitive arrays, hence the twin.
 */
final class Dgemm {
  /** Rows of B per packed panel. */
  static final int KC = 256;

  /** Columns of B per packed panel; KC x NC doubles is 512 KiB. */
  static final int NC = 256;

  /** Below this many columns (and with many more rows) the product is computed transposed. */
  static final int NARROW = 32;

  private Dgemm() {}

  /**
   * Scratch arrays, grown on demand and reused across the products of one op call (the matrices
   * of a batch). Not thread-safe: one per thread.
   */
  static final class Workspace {
    private double[][] panel = new double[0][0];
    private int panelCols;
    private double[] acc = new double[0];
    private double[] transposed = new double[0];

    private double[][] panel(int rows, int cols) {
      if (panel.length < rows || panelCols < cols) {
        panelCols = Math.max(panelCols, cols);
        panel = new double[Math.max(panel.length, rows)][panelCols];
      }
      return panel;
    }

    private double[] acc(int n) {
      if (acc.length < n) {
        acc = new double[n];
      }
      return acc;
    }

    private double[] transposed(int n) {
      if (transposed.length < n) {
        transposed = new double[n];
      }
      return transposed;
    }
  }

  /**
   * Adds {@code alpha * op(A) * op(B)} to C. A's element (i, p) is {@code a[aOff + i*lda + p]}, or
   * {@code a[aOff + p*lda + i]} when {@code transA}; likewise for B.
   */
  static void multiply(
      int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, boolean transA,
      double[] b, int bOff, int ldb, boolean transB,
      double[] c, int cOff, int ldc,
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
    double[][] panel = ws.panel(Math.min(KC, k), Math.min(NC, n));
    double[] acc = ws.acc(Math.min(NC, n));
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
      int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, boolean transA,
      double[] b, int bOff, int ldb, boolean transB,
      double[] c, int cOff, int ldc,
      Workspace ws) {
    double[] t = ws.transposed(n * m);
    Arrays.fill(t, 0, n * m, 0.0);
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
      double[] b, int bOff, int ldb, boolean transB, int p0, int kc, int j0, int nc,
      double[][] panel) {
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
      double alpha, double[] a, int a0, int cs, int kc, double[][] panel, int nc, double[] r) {
    Arrays.fill(r, 0, nc, 0.0);
    int p = 0;
    for (; p + 3 < kc; p += 4) {
      int q = a0 + p * cs;
      double u0 = alpha * a[q];
      double u1 = alpha * a[q + cs];
      double u2 = alpha * a[q + 2 * cs];
      double u3 = alpha * a[q + 3 * cs];
      double[] x0 = panel[p];
      double[] x1 = panel[p + 1];
      double[] x2 = panel[p + 2];
      double[] x3 = panel[p + 3];
      for (int j = 0; j < nc; j++) {
        r[j] += u0 * x0[j] + u1 * x1[j] + u2 * x2[j] + u3 * x3[j];
      }
    }
    for (; p < kc; p++) {
      double u = alpha * a[a0 + p * cs];
      double[] x = panel[p];
      for (int j = 0; j < nc; j++) {
        r[j] += u * x[j];
      }
    }
  }
}
