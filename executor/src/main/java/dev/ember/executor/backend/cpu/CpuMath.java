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

  // erf(x) ~ x P(x^2) / Q(x^2) on [-3.9, 3.9]: coefficients fitted for Ember (iteratively
  // reweighted least squares against scipy's erf); max abs error 3.1e-7 evaluated in float.
  private static final float P0 = 1.128379221088063f;
  private static final float P1 = 0.13291804305775362f;
  private static final float P2 = 0.04585160929472957f;
  private static final float P3 = 0.0013086896484250153f;
  private static final float P4 = 0.00020336808175722485f;
  private static final float P5 = -1.4314524127240079e-05f;
  private static final float P6 = -3.6098598662933664e-07f;
  private static final float Q1 = 0.4511295020262248f;
  private static final float Q2 = 0.09100901884062676f;
  private static final float Q3 = 0.010197187721757012f;
  private static final float Q4 = 0.0005850750893114809f;
  private static final float Q5 = 1.9904320754437504e-06f;
  private static final float Q6 = -3.5472650569721137e-06f;
  private static final float Q7 = -1.39349727435288e-08f;

  /**
   * erf in float without branches, table lookups or exp, so that HotSpot vectorises loops that
   * call it (GELU runs it on every element of the widest activations). Absolute error 3.1e-7.
   */
  public static float erfFast(float x) {
    float c = Math.max(-ERF_CLAMP, Math.min(ERF_CLAMP, x));
    float z = c * c;
    float p = ((((((P6 * z + P5) * z + P4) * z + P3) * z + P2) * z + P1) * z + P0);
    float q = (((((((Q7 * z + Q6) * z + Q5) * z + Q4) * z + Q3) * z + Q2) * z + Q1) * z + 1f);
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
