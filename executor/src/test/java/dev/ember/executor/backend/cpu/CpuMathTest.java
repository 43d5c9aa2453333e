package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuMathTest {
  /** erfFast against the double-precision erf, on a dense grid well past the clamp. */
  @Test
  void erfFastStaysWithinItsDocumentedError() {
    double worst = 0;
    for (int i = -80_000; i <= 80_000; i++) {
      float x = i * 1e-4f;
      double err = Math.abs(CpuMath.erfFast(x) - CpuMath.erf((double) x));
      worst = Math.max(worst, err);
    }
    // 4.1e-7 from the fit plus the double erf's own 1.5e-7.
    assertTrue(worst < 8e-7, "max abs error " + worst);
  }

  @Test
  void erfFastSaturatesAndPropagatesNaN() {
    assertEquals(1f, CpuMath.erfFast(Float.POSITIVE_INFINITY), 6e-7f);
    assertEquals(-1f, CpuMath.erfFast(-1e30f), 6e-7f);
    assertEquals(0f, CpuMath.erfFast(0f));
    assertTrue(Float.isNaN(CpuMath.erfFast(Float.NaN)));
  }
}
