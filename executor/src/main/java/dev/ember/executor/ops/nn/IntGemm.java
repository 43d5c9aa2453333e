package dev.ember.executor.ops.nn;

import java.util.Arrays;

/**
 * Row-major integer matrix multiply. {@link #multiply} computes {@code C += alpha * op(A) * op(B)}
 * in wrapping 64-bit arithmetic (the caller wraps the result to the element width; wrapping is
 * exact for unsigned types too) with the plain i-k-j loop, for the rare int64 products.
 *
 * <p>{@link #multiplyInt32} is the fast path for 32-bit results (MatMul on int32/uint32 and the
 * quantized products, MatMulInteger and QLinearMatMul, whose int8/uint8 operands minus their zero
 * points fit in an int): int arithmetic wraps mod 2^32 exactly as ONNX's int32 accumulation does.
 * It is laid out like {@link Sgemm} so that SuperWord vectorises the inner loop: B is packed into
 * one array per row (a KC x NC panel kept in L2 and reused by every row of A), four panel rows are
 * combined per pass, and each row of C is accumulated in a scratch array indexed from 0.
 */
public final class IntGemm {
  /** Rows of B per packed panel. */
  static final int KC = 256;

  /** Columns of B per packed panel; KC x NC ints is 512 KiB. */
  static final int NC = 512;

  private IntGemm() {}

  /** Scratch arrays reused across the products of one op call. Not thread-safe: one per thread. */
  public static final class Workspace {
    private int[][] panel = new int[0][0];
    private int panelCols;
    private int[] acc = new int[0];

    private int[][] panel(int rows, int cols) {
      if (panel.length < rows || panelCols < cols) {
        panelCols = Math.max(panelCols, cols);
        panel = new int[Math.max(panel.length, rows)][panelCols];
      }
      return panel;
    }

    private int[] acc(int n) {
      if (acc.length < n) {
        acc = new int[n];
      }
      return acc;
    }
  }

  /**
   * Adds {@code A * B} to C in wrapping int arithmetic; A is m x k with row stride {@code lda}, B
   * is k x n with row stride {@code ldb}, C is m x n with row stride {@code ldc}.
   */
  public static void multiplyInt32(
      int m, int n, int k,
      int[] a, int aOff, int lda,
      int[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc,
      Workspace ws) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    int[][] panel = ws.panel(Math.min(KC, k), Math.min(NC, n));
    int[] acc = ws.acc(Math.min(NC, n));
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = Math.min(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        for (int p = 0; p < kc; p++) {
          System.arraycopy(b, bOff + (p0 + p) * ldb + j0, panel[p], 0, nc);
        }
        for (int i = 0; i < m; i++) {
          row(a, aOff + i * lda + p0, kc, panel, nc, acc);
          int c0 = cOff + i * ldc + j0;
          for (int j = 0; j < nc; j++) {
            c[c0 + j] += acc[j];
          }
        }
      }
    }
  }

  /** r = (kc elements of A from a0) times the panel. */
  private static void row(int[] a, int a0, int kc, int[][] panel, int nc, int[] r) {
    Arrays.fill(r, 0, nc, 0);
    int p = 0;
    for (; p + 3 < kc; p += 4) {
      int u0 = a[a0 + p];
      int u1 = a[a0 + p + 1];
      int u2 = a[a0 + p + 2];
      int u3 = a[a0 + p + 3];
      int[] x0 = panel[p];
      int[] x1 = panel[p + 1];
      int[] x2 = panel[p + 2];
      int[] x3 = panel[p + 3];
      for (int j = 0; j < nc; j++) {
        r[j] += u0 * x0[j] + u1 * x1[j] + u2 * x2[j] + u3 * x3[j];
      }
    }
    for (; p < kc; p++) {
      int u = a[a0 + p];
      int[] x = panel[p];
      for (int j = 0; j < nc; j++) {
        r[j] += u * x[j];
      }
    }
  }

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
