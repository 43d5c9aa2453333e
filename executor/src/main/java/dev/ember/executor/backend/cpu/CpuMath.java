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

  /** |x| above this gives erf = +-1 in float to within 5e-8. */
  private static final float ERF_CLAMP = 3.9f;

  // erf(x) ~ x P(x^2) / Q(x^2) on [-3.9, 3.9]: coefficients fitted for Ember (Loeb's iteratively
  // reweighted least squares against scipy's erf; 1.6e-8 in double), max abs error 4.1e-7
  // evaluated in float. Degree 5 over 5, not more: C2 unrolls (and so vectorises) a loop only
  // while its body stays under LoopUnrollLimit (60 nodes by default), and GELU's loop with the
  // previous 6/7-degree erf plus the clamp went over it and ran scalar, about 7x slower (measured
  // 24 against 4 ns per element; -XX:LoopUnrollLimit=250 vectorised both). A 4/5-degree fit
  // (5.8e-7) was faster still but moved the quantized MiniLM's level-3 agreement with ONNX
  // Runtime below its bound (QuantizedMiniLmVsOnnxRuntimeTest).
  private static final float P0 = 1.1283790216432363f;
  private static final float P1 = 0.19234343240675164f;
  private static final float P2 = 0.05301874717554226f;
  private static final float P3 = 0.003853776051930163f;
  private static final float P4 = 0.00028777540416683535f;
  private static final float P5 = 2.046469760353233e-06f;
  private static final float Q1 = 0.5037915994200497f;
  private static final float Q2 = 0.11492332669083678f;
  private static final float Q3 = 0.015143046789362988f;
  private static final float Q4 = 0.0011857196517174684f;
  private static final float Q5 = 3.8206820436964866e-05f;

  /**
   * erf in float without branches, table lookups or exp, and few enough operations that HotSpot
   * vectorises loops that call it (GELU runs it on every element of the widest activations).
   * Absolute error 4.1e-7.
   */
  public static float erfFast(float x) {
    float c = Math.max(-ERF_CLAMP, Math.min(ERF_CLAMP, x));
    float z = c * c;
    float p = ((((P5 * z + P4) * z + P3) * z + P2) * z + P1) * z + P0;
    float q = ((((Q5 * z + Q4) * z + Q3) * z + Q2) * z + Q1) * z + 1f;
    return c * p / q;
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
