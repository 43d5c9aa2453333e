package dev.ember.executor.ops.nn;

import java.util.Arrays;

/**
 * Row-major single-precision matrix multiply, {@code C += alpha * op(A) * op(B)}, shared by MatMul
 * and Gemm. op(A) is m x k, op(B) is k x n, C is m x n; {@code ld*} are row strides in elements.
 *
 * <p>The loops run i-k-j so that the innermost loop walks contiguous rows of B and C and HotSpot's
 * SuperWord pass turns it into SIMD code. On JDK 17 that pass only vectorises a loop whose arrays
 * are all indexed by the same expression, so B is packed into one array per row (a KC x NC panel
 * that stays in L2 and is reused by every row of A), and each row of C is accumulated in a scratch
 * array indexed from 0 and added into C once per panel. Packing also takes care of a transposed
 * B. A is read one scalar at a time outside the inner loop, so a transposed A only swaps its
 * strides. Two rows of A and four of B are combined per pass, which cuts loads and stores per
 * multiply-add about fourfold against the plain loop (about 50 GFLOP/s on one AVX-512 core for
 * n = 384..1024 against 7 for the plain loop). Sums are kept in float.
 */
final class Sgemm {
  /** Rows of B per packed panel. */
  static final int KC = 256;

  /** Columns of B per packed panel; KC x NC floats is 512 KiB. */
  static final int NC = 512;

  private Sgemm() {}

  /** Scratch arrays of one multiply, reusable across the matrices of a batch. Not thread-safe. */
  static final class Workspace {
    final float[][] panel;
    final float[] acc0;
    final float[] acc1;

    /** Sized for products with inner dimension {@code k} and {@code n} output columns. */
    Workspace(int k, int n) {
      int kc = Math.max(1, Math.min(KC, k));
      int nc = Math.max(1, Math.min(NC, n));
      panel = new float[kc][nc];
      acc0 = new float[nc];
      acc1 = new float[nc];
    }
  }

  /**
   * Adds {@code alpha * op(A) * op(B)} to C. A's element (i, p) is {@code a[aOff + i*lda + p]}, or
   * {@code a[aOff + p*lda + i]} when {@code transA}; likewise for B. {@code ws} must have been made
   * for at least this k and n.
   */
  static void multiply(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float[] c, int cOff, int ldc,
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

  /** r0/r1 = alpha * (two rows of A starting at a0/a1) times the panel. */
  private static void twoRows(
      float alpha, float[] a, int a0, int a1, int cs, int kc, float[][] panel, int nc,
      float[] r0, float[] r1) {
    Arrays.fill(r0, 0, nc, 0f);
    Arrays.fill(r1, 0, nc, 0f);
    int p = 0;
    for (; p + 3 < kc; p += 4) {
      int q = p * cs;
      float u0 = alpha * a[a0 + q];
      float u1 = alpha * a[a0 + q + cs];
      float u2 = alpha * a[a0 + q + 2 * cs];
      float u3 = alpha * a[a0 + q + 3 * cs];
      float v0 = alpha * a[a1 + q];
      float v1 = alpha * a[a1 + q + cs];
      float v2 = alpha * a[a1 + q + 2 * cs];
      float v3 = alpha * a[a1 + q + 3 * cs];
      float[] x0 = panel[p];
      float[] x1 = panel[p + 1];
      float[] x2 = panel[p + 2];
      float[] x3 = panel[p + 3];
      for (int j = 0; j < nc; j++) {
        float y0 = x0[j];
        float y1 = x1[j];
        float y2 = x2[j];
        float y3 = x3[j];
        r0[j] += u0 * y0 + u1 * y1 + u2 * y2 + u3 * y3;
        r1[j] += v0 * y0 + v1 * y1 + v2 * y2 + v3 * y3;
      }
    }
    for (; p < kc; p++) {
      float u = alpha * a[a0 + p * cs];
      float v = alpha * a[a1 + p * cs];
      float[] x = panel[p];
      for (int j = 0; j < nc; j++) {
        r0[j] += u * x[j];
        r1[j] += v * x[j];
      }
    }
  }

  /** r = alpha * (one row of A starting at a0) times the panel. */
  private static void oneRow(
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

  private static void addRow(float[] r, float[] c, int c0, int nc) {
    for (int j = 0; j < nc; j++) {
      c[c0 + j] += r[j];
    }
  }
}
