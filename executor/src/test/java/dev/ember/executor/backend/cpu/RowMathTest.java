package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API softmax against a softmax summed in double, on every row length that takes the
 * wide vectors, the half-width ones and the scalar tail, at an offset, with masked positions (a
 * large negative or an infinite score, as attention masks give).
 */
class RowMathTest {
  @Test
  void vectorSoftmaxMatchesADoubleSoftmax() {
    Random r = new Random(11);
    for (int n = 1; n <= 70; n++) {
      int off = 3;
      float[] a = new float[off + n + 2];
      for (int j = 0; j < a.length; j++) {
        a[j] = (float) (r.nextGaussian() * 4);
      }
      if (n > 4) {
        a[off + n - 1] = -1e9f;
        a[off + 1] = Float.NEGATIVE_INFINITY;
      }
      double[] want = reference(a, off, n);
      float[] got = a.clone();
      VectorRows.softmax(got, off, n);
      for (int j = 0; j < a.length; j++) {
        if (j < off || j >= off + n) {
          assertEquals(a[j], got[j], "n=" + n + ": element " + j + " lies outside the row");
        } else {
          assertEquals(want[j - off], got[j], 2e-6, "n=" + n + ": element " + j);
        }
      }
      float[] scalar = a.clone();
      RowMath.softmaxScalar(scalar, off, n);
      for (int j = 0; j < n; j++) {
        assertEquals(want[j], scalar[off + j], 2e-6, "scalar, n=" + n + ": element " + j);
      }
    }
  }

  private static double[] reference(float[] a, int off, int n) {
    double mx = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      mx = Math.max(mx, a[off + j]);
    }
    double[] e = new double[n];
    double sum = 0;
    for (int j = 0; j < n; j++) {
      e[j] = Math.exp(a[off + j] - mx);
      sum += e[j];
    }
    for (int j = 0; j < n; j++) {
      e[j] /= sum;
    }
    return e;
  }
}
