package dev.ember.executor.ops.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.Tensor;
import org.junit.jupiter.api.Test;

class ErfMathTest {

  @Test
  void matchesKnownValues() {
    assertEquals(0.5204998778130465, ErfMath.erf(0.5), 1e-15);
    assertEquals(0.8427007929497149, ErfMath.erf(1), 1e-15);
    assertEquals(-0.9953222650189527, ErfMath.erf(-2), 1e-15);
    assertEquals(0.9999779095030014, ErfMath.erf(3), 1e-15);
    assertEquals(0.0, ErfMath.erf(0), 0);
    assertEquals(-1.0, ErfMath.erf(-7), 0);
    assertTrue(Double.isNaN(ErfMath.erf(Double.NaN)));
  }

  @Test
  void keepsRelativeAccuracyForTinyArguments() {
    double x = 1e-30;
    assertEquals(2 / Math.sqrt(Math.PI) * x, ErfMath.erf(x), 1e-45);
  }

  /** Sweeps [-7, 7] against slow references: the Maclaurin series and erfc's continued fraction. */
  @Test
  void agreesWithSlowReferenceEverywhere() {
    double worst = 0;
    for (double x = -7; x <= 7; x += 1.0 / 1024 + 1e-7) {
      worst = Math.max(worst, Math.abs(ErfMath.erf(x) - reference(x)));
    }
    assertTrue(worst < 1e-14, "worst error " + worst);
  }

  @Test
  void erfOpRoundsDoubleResultToFloat() {
    Tensor out = OpHarness.run(new ErfOp(), OpHarness.floats(new int[] {2}, 0.5f, -1f));
    assertEquals((float) 0.5204998778130465, out.rawFloats()[0]);
    assertEquals((float) -0.8427007929497149, out.rawFloats()[1]);
  }

  private static double reference(double x) {
    double ax = Math.abs(x);
    if (ax > 2) {
      // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))
      double k = ax;
      for (int n = 3000; n >= 1; n--) {
        k = ax + (n / 2.0) / k;
      }
      return Math.copySign(1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k, x);
    }
    double sum = 0;
    double term = x; // x^(2n+1) (-1)^n / n!
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }
}
