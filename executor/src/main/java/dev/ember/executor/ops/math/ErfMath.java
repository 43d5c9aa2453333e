package dev.ember.executor.ops.math;

/**
 * The error function in double precision, accurate to about 2e-15 absolute and keeping relative
 * accuracy near zero (Java has no erf).
 *
 * <p>[0, 6) is cut into 48 intervals of width 1/8; each gets a degree-11 Taylor polynomial about
 * its centre (about 0 for the first, so tiny arguments keep their relative accuracy). Evaluation is
 * one table lookup and an Estrin-scheme polynomial, whose short dependency chains run several times
 * faster than Horner's rule on the erf-heavy GELU layers. The coefficients are derived when the
 * class loads, from erf(0) = 0 and erf'(x) = 2/sqrt(pi) exp(-x^2), whose derivatives are Hermite
 * polynomials: erf^(k)(m) = 2/sqrt(pi) (-1)^(k-1) H_(k-1)(m) exp(-m^2). The value at each centre is
 * carried from the previous one by a 40-term series, whose truncation error is far below double
 * rounding. From 6 on, erf(x) rounds to 1 (erfc(6) is 2e-17).
 */
final class ErfMath {
  private ErfMath() {}

  private static final double WIDTH = 0.125;
  private static final int INTERVALS = 48;
  private static final double LIMIT = WIDTH * INTERVALS;
  private static final int COEFFS = 12; // degree 11; evaluate() spells out all twelve
  private static final int CHAIN_TERMS = 40;
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

  /** Interval j's coefficient of h^k at index j * COEFFS + k. */
  private static final double[] TABLE = new double[INTERVALS * COEFFS];

  /** The point interval j's polynomial is expanded about. */
  private static final double[] CENTRE = new double[INTERVALS];

  static {
    double point = 0;
    double value = 0;
    for (int j = 0; j < INTERVALS; j++) {
      double centre = j == 0 ? 0 : (j + 0.5) * WIDTH;
      value = horner(taylor(point, value, CHAIN_TERMS), centre - point);
      point = centre;
      CENTRE[j] = centre;
      System.arraycopy(taylor(centre, value, COEFFS - 1), 0, TABLE, j * COEFFS, COEFFS);
    }
  }

  /** erf(x); NaN stays NaN and the sign of zero is kept. */
  static double erf(double x) {
    double ax = Math.abs(x);
    if (!(ax < LIMIT)) {
      return Double.isNaN(x) ? x : Math.copySign(1.0, x);
    }
    int j = (int) (ax * (1 / WIDTH));
    double h = ax - CENTRE[j];
    int b = j * COEFFS;
    double[] c = TABLE;
    double h2 = h * h;
    double h4 = h2 * h2;
    double p01 = c[b] + c[b + 1] * h;
    double p23 = c[b + 2] + c[b + 3] * h;
    double p45 = c[b + 4] + c[b + 5] * h;
    double p67 = c[b + 6] + c[b + 7] * h;
    double p89 = c[b + 8] + c[b + 9] * h;
    double p1011 = c[b + 10] + c[b + 11] * h;
    double r = (p01 + h2 * p23) + h4 * ((p45 + h2 * p67) + h4 * (p89 + h2 * p1011));
    return Math.copySign(r, x);
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
