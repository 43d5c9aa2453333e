package dev.ember.executor.backend.cpu;

/**
 * Scalar functions that generated loops call and Java lacks. The erf is the Abramowitz-Stegun
 * 7.1.26 rational form (absolute error below 1.5e-7), evaluated in double, well inside the 1e-5
 * absolute tolerance the backend is held to against the reference kernels.
 */
public final class CpuMath {
  private CpuMath() {}

  private static final double P = 0.3275911;
  private static final double A1 = 0.254829592;
  private static final double A2 = -0.284496736;
  private static final double A3 = 1.421413741;
  private static final double A4 = -1.453152027;
  private static final double A5 = 1.061405429;
  private static final double INV_SQRT2 = 0.7071067811865476;
  private static final double SQRT_2_OVER_PI = 0.7978845608028654;

  public static float erf(float x) {
    return (float) erf((double) x);
  }

  static double erf(double x) {
    double ax = Math.abs(x);
    if (!(ax < 6)) {
      return Double.isNaN(x) ? x : Math.copySign(1.0, x);
    }
    double t = 1 / (1 + P * ax);
    double y = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Math.exp(-ax * ax);
    return Math.copySign(y, x);
  }

  public static float sigmoid(float xf) {
    double x = xf;
    if (x >= 0) {
      return (float) (1 / (1 + Math.exp(-x)));
    }
    double e = Math.exp(x);
    return (float) (e / (1 + e));
  }

  /** Gelu with erf (approximate="none"). */
  public static float gelu(float xf) {
    double x = xf;
    return (float) (0.5 * x * (1 + erf(x * INV_SQRT2)));
  }

  /** Gelu with the tanh approximation. */
  public static float geluTanh(float xf) {
    double x = xf;
    return (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
  }
}
