package dev.ember.executor.ops.ml;

import dev.ember.executor.ops.OpException;

/**
 * The score transforms of the ai.onnx.ml classifiers and regressors, applied to one row of scores
 * in place. Named by a string in the older ops ("NONE", "SOFTMAX", ...) and by its position in
 * this enum in TreeEnsemble (opset 5: 0 = NONE ... 4 = PROBIT).
 */
enum PostTransform {
  /** Scores as they are. */
  NONE,
  /** exp(s - max) / sum over the row. */
  SOFTMAX,
  /** 1 / (1 + exp(-s)) per score. */
  LOGISTIC,
  /** Softmax over the non-zero scores; a zero score stays 0 (as ONNX Runtime: |s| <= 1e-7). */
  SOFTMAX_ZERO,
  /** The standard normal quantile of each score, sqrt(2) * erfinv(2s - 1). */
  PROBIT;

  static PostTransform named(String op, String name) {
    for (PostTransform t : values()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw OpException.attribute(op + " post_transform '" + name
        + "' is not one of NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT");
  }

  static PostTransform numbered(String op, long code) {
    if (code < 0 || code >= values().length) {
      throw OpException.attribute(op + " post_transform " + code
          + " is not one of 0 (NONE) .. 4 (PROBIT)");
    }
    return values()[(int) code];
  }

  /** Transforms {@code row[from .. from + n)} in place. */
  void apply(double[] row, int from, int n) {
    switch (this) {
      case NONE:
        return;
      case LOGISTIC:
        for (int i = from; i < from + n; i++) {
          row[i] = 1 / (1 + Math.exp(-row[i]));
        }
        return;
      case PROBIT:
        for (int i = from; i < from + n; i++) {
          row[i] = normalQuantile(row[i]);
        }
        return;
      default:
        softmax(row, from, n, this == SOFTMAX_ZERO);
    }
  }

  private static void softmax(double[] row, int from, int n, boolean keepZeros) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      max = Math.max(max, row[i]);
    }
    double sum = 0;
    for (int i = from; i < from + n; i++) {
      boolean zero = keepZeros && Math.abs(row[i]) <= 1e-7;
      row[i] = zero ? 0 : Math.exp(row[i] - max);
      sum += row[i];
    }
    for (int i = from; i < from + n; i++) {
      row[i] = sum == 0 ? 0 : row[i] / sum;
    }
  }

  /**
   * The inverse of the standard normal CDF, by P. J. Acklam's rational approximation (relative
   * error below 1.2e-9, far under float precision); 0 and 1 map to -inf and +inf.
   */
  static double normalQuantile(double p) {
    if (Double.isNaN(p) || p < 0 || p > 1) {
      return Double.NaN;
    }
    if (p == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p == 1) {
      return Double.POSITIVE_INFINITY;
    }
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return tail(q);
    }
    if (p > 1 - low) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      return -tail(q);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02)
                * r + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r
            + 2.506628277459239e+00) * q
        / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02)
                * r + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
  }

  private static double tail(double q) {
    return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00)
                * q - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q
            + 2.938163982698783e+00)
        / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00)
                * q + 3.754408661907416e+00) * q + 1);
  }
}
