package dev.ember.executor.ops.math;

/**
 * The error function in double precision, accurate to about 1e-15 absolute (Java has no erf).
 *
 * <p>[0, 6) is cut into 24 intervals of width 1/4; each gets a degree-12 Taylor polynomial about
 * its centre, so evaluation is one table lookup and 12 multiply-adds. The coefficients are derived
 * when the class loads, from erf(0) = 0 and erf'(x) = 2/sqrt(pi) exp(-x^2), whose derivatives are
 * Hermite polynomials: erf^(k)(m) = 2/sqrt(pi) (-1)^(k-1) H_(k-1)(m) exp(-m^2). The value at each
 * centre is carried from the previous one by a 40-term series, whose truncation error is far below
 * double rounding. Below 1/4 the Maclaurin series keeps relative accuracy for tiny x; from 6 on,
 * erf(x) rounds to 1 (erfc(6) is 2e-17).
 */
final class ErfMath {
  private ErfMath() {}

  private static final double WIDTH = 0.25;
  private static final int INTERVALS = 24;
  private static final double LIMIT = WIDTH * INTERVALS;
  private static final int DEGREE = 12;
  private static final int CHAIN_TERMS = 40;
  private static final int MACLAURIN_TERMS = 10;
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

  /** Interval j's coefficients of h^k at index j * (DEGREE + 1) + k. */
  private static final double[] TABLE = new double[INTERVALS * (DEGREE + 1)];

  /** Coefficients of x^(2n+1) in the Maclaurin series: (-1)^n 2/sqrt(pi) / (n! (2n+1)). */
  private static final double[] MACLAURIN = new double[MACLAURIN_TERMS];

  static {
    double factorial = 1;
    for (int n = 0; n < MACLAURIN_TERMS; n++) {
      factorial *= Math.max(n, 1);
      MACLAURIN[n] = (n % 2 == 0 ? 1 : -1) * TWO_OVER_SQRT_PI / (factorial * (2 * n + 1));
    }
    double point = 0;
    double value = 0;
    for (int j = 0; j < INTERVALS; j++) {
      double centre = (j + 0.5) * WIDTH;
      value = horner(taylor(point, value, CHAIN_TERMS), centre - point);
      point = centre;
      System.arraycopy(taylor(centre, value, DEGREE), 0, TABLE, j * (DEGREE + 1), DEGREE + 1);
    }
  }

  /** erf(x); NaN stays NaN. */
  static double erf(double x) {
    double ax = Math.abs(x);
    if (ax < WIDTH) {
      double x2 = x * x;
      double s = MACLAURIN[MACLAURIN_TERMS - 1];
      for (int n = MACLAURIN_TERMS - 2; n >= 0; n--) {
        s = s * x2 + MACLAURIN[n];
      }
      return x * s;
    }
    if (!(ax < LIMIT)) {
      return Double.isNaN(x) ? x : Math.copySign(1.0, x);
    }
    int j = (int) (ax * (1 / WIDTH));
    double h = ax - (j + 0.5) * WIDTH;
    int base = j * (DEGREE + 1);
    double r = TABLE[base + DEGREE];
    for (int k = DEGREE - 1; k >= 0; k--) {
      r = r * h + TABLE[base + k];
    }
    return x < 0 ? -r : r;
  }

  /** Taylor coefficients of erf about {@code m} up to degree {@code n}, given erf(m). */
  private static double[] taylor(double m, double erfAtM, int n) {
    double[] a = new double[n + 1];
    a[0] = erfAtM;
    double scale = TWO_OVER_SQRT_PI * Math.exp(-m * m);
    double hermitePrev = 0; // H_(k-2)(m)
    double hermite = 1; // H_(k-1)(m)
    double factorial = 1;
    for (int k = 1; k <= n; k++) {
      factorial *= k;
      a[k] = scale * (k % 2 == 1 ? hermite : -hermite) / factorial;
      double next = 2 * m * hermite - 2 * (k - 1) * hermitePrev;
      hermitePrev = hermite;
      hermite = next;
    }
    return a;
  }

  private static double horner(double[] a, double h) {
    double r = a[a.length - 1];
    for (int k = a.length - 2; k >= 0; k--) {
      r = r * h + a[k];
    }
    return r;
  }
}
