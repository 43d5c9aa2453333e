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

  private Dgemm() {}

  /** Scratch arrays of one multiply, reusable across the matrices of a batch. Not thread-safe. */
  static final class Workspace {
    final double[][] panel;
    final double[] acc0;
    final double[] acc1;

    /** Sized for products with inner dimension {@code k} and {@code n} output columns. */
    Workspace(int k, int n) {
      int kc = Math.max(1, Math.min(KC, k));
      int nc = Math.max(1, Math.min(NC, n));
      panel = new double[kc][nc];
      acc0 = new double[nc];
      acc1 = new double[nc];
    }
  }

  /**
   * Adds {@code alpha * op(A) * op(B)} to C. A's element (i, p) is {@code a[aOff + i*lda + p]}, or
   * {@code a[aOff + p*lda + i]} when {@code transA}; likewise for B. {@code ws} must have been made
   * for at least this k and n.
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
    int rowStride = transA ? 1 : lda;
    int colStride = transA ? lda : 1;
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = Math.min(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        pack(b, bOff, ldb, transB, p0, kc, j0, nc, ws.panel);
        int i = 0;
        for (; i + 1 < m; i += 2) {
          int a0 = aOff + i * rowStride + p0 * colStride;
          twoRows(alpha, a, a0, a0 + rowStride, colStride, kc, ws.panel, nc, ws.acc0, ws.acc1);
          addRow(ws.acc0, c, cOff + i * ldc + j0, nc);
          addRow(ws.acc1, c, cOff + (i + 1) * ldc + j0, nc);
        }
        if (i < m) {
          oneRow(alpha, a, aOff + i * rowStride + p0 * colStride, colStride, kc, ws.panel, nc,
              ws.acc0);
          addRow(ws.acc0, c, cOff + i * ldc + j0, nc);
        }
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

  /** r0/r1 = alpha * (two rows of A starting at a0/a1) times the panel. */
  private static void twoRows(
      double alpha, double[] a, int a0, int a1, int cs, int kc, double[][] panel, int nc,
      double[] r0, double[] r1) {
    Arrays.fill(r0, 0, nc, 0.0);
    Arrays.fill(r1, 0, nc, 0.0);
    int p = 0;
    for (; p + 3 < kc; p += 4) {
      int q = p * cs;
      double u0 = alpha * a[a0 + q];
      double u1 = alpha * a[a0 + q + cs];
      double u2 = alpha * a[a0 + q + 2 * cs];
      double u3 = alpha * a[a0 + q + 3 * cs];
      double v0 = alpha * a[a1 + q];
      double v1 = alpha * a[a1 + q + cs];
      double v2 = alpha * a[a1 + q + 2 * cs];
      double v3 = alpha * a[a1 + q + 3 * cs];
      double[] x0 = panel[p];
      double[] x1 = panel[p + 1];
      double[] x2 = panel[p + 2];
      double[] x3 = panel[p + 3];
      for (int j = 0; j < nc; j++) {
        double y0 = x0[j];
        double y1 = x1[j];
        double y2 = x2[j];
        double y3 = x3[j];
        r0[j] += u0 * y0 + u1 * y1 + u2 * y2 + u3 * y3;
        r1[j] += v0 * y0 + v1 * y1 + v2 * y2 + v3 * y3;
      }
    }
    for (; p < kc; p++) {
      double u = alpha * a[a0 + p * cs];
      double v = alpha * a[a1 + p * cs];
      double[] x = panel[p];
      for (int j = 0; j < nc; j++) {
        r0[j] += u * x[j];
        r1[j] += v * x[j];
      }
    }
  }

  /** r = alpha * (one row of A starting at a0) times the panel. */
  private static void oneRow(
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

  private static void addRow(double[] r, double[] c, int c0, int nc) {
    for (int j = 0; j < nc; j++) {
      c[c0 + j] += r[j];
    }
  }
}
