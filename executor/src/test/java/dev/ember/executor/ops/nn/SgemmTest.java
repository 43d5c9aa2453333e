package dev.ember.executor.ops.nn;

import static dev.ember.executor.ops.nn.NnTesting.maxRelError;
import static dev.ember.executor.ops.nn.NnTesting.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The GEMM kernels on sub-matrices (offsets, leading dims wider than the matrix). */
class SgemmTest {

  @Test
  void accumulatesIntoSubMatricesWithTransposes() {
    accumulatesIntoSubMatrices(5, 530, 260); // wide: two panels across n and k
    accumulatesIntoSubMatrices(150, 20, 70); // narrow: computed as C^T = op(B)^T op(A)^T
  }

  private static void accumulatesIntoSubMatrices(int m, int n, int k) {
    int pad = 3;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        int lda = (ta ? m : k) + pad;
        int ldb = (tb ? k : n) + pad;
        int ldc = n + pad;
        float[] a = randomFloats(7 + (ta ? k : m) * lda, 1, 1f);
        float[] b = randomFloats(11 + (tb ? n : k) * ldb, 2, 1f);
        float[] c = randomFloats(13 + m * ldc, 3, 1f);
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
              s += (double) a[7 + (ta ? p * lda + i : i * lda + p)]
                  * b[11 + (tb ? j * ldb + p : p * ldb + j)];
            }
            expected[13 + i * ldc + j] += (float) (1.5 * s);
          }
        }
        float[] got = c.clone();
        Sgemm.multiply(m, n, k, 1.5f, a, 7, lda, ta, b, 11, ldb, tb, got, 13, ldc,
            new Sgemm.Workspace());
        assertTrue(maxRelError(expected, got) < 1e-4,
            m + "x" + n + "x" + k + " transA=" + ta + " transB=" + tb);
        // The padding columns of C are untouched.
        assertEquals(c[13 + n], got[13 + n]);
      }
    }
  }

  @Test
  void doubleKernelMatchesNaive() {
    doubleKernelMatchesNaive(3, 300, 270);
    doubleKernelMatchesNaive(100, 10, 40);
  }

  private static void doubleKernelMatchesNaive(int m, int n, int k) {
    double[] a = new double[m * k];
    double[] b = new double[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.sin(i);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.cos(i);
    }
    double[] c = new double[m * n];
    Dgemm.multiply(m, n, k, 1.0, a, 0, k, false, b, 0, n, false, c, 0, n,
        new Dgemm.Workspace());
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += a[i * k + p] * b[p * n + j];
        }
        assertEquals(s, c[i * n + j], 1e-9);
      }
    }
  }
}
