package dev.ember.executor.testing;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.util.Arrays;

/** Per-dtype comparison rules, in one place; returns a mismatch description or null. */
public final class Tolerance {
  /** ONNX backend-test defaults: rtol 1e-3, atol 1e-7. */
  public static final double RTOL = 1e-3;

  public static final double ATOL = 1e-7;

  private Tolerance() {}

  /** Null when {@code actual} matches {@code expected}, else what differs. */
  public static String mismatch(Tensor expected, Tensor actual, double rtol, double atol) {
    if (expected.dtype() != actual.dtype()) {
      return "dtype " + actual.dtype() + " != expected " + expected.dtype();
    }
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      return "shape " + Arrays.toString(actual.shape()) + " != expected "
          + Arrays.toString(expected.shape());
    }
    DType t = expected.dtype();
    for (int i = 0; i < expected.size(); i++) {
      if (t == DType.STRING) {
        if (!expected.rawStrings()[i].equals(actual.rawStrings()[i])) {
          return "element " + i + ": '" + actual.rawStrings()[i] + "' != '"
              + expected.rawStrings()[i] + "'";
        }
        continue;
      }
      if (!t.isFloating()) {
        if (expected.getLong(i) != actual.getLong(i)) {
          return "element " + i + ": " + actual.getLong(i) + " != expected " + expected.getLong(i);
        }
        continue;
      }
      double e = expected.getDouble(i);
      double a = actual.getDouble(i);
      if (Double.isNaN(e) && Double.isNaN(a) || e == a) {
        continue;
      }
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
        return "element " + i + ": " + a + " != expected " + e + " (|diff| "
            + Math.abs(a - e) + ")";
      }
    }
    return null;
  }

  public static String mismatch(Tensor expected, Tensor actual) {
    return mismatch(expected, actual, RTOL, atol(expected.dtype()));
  }

  /** The default absolute tolerance for {@code t}: wider for the half-precision types. */
  public static double atol(DType t) {
    return t == DType.FLOAT16 || t == DType.BFLOAT16 ? 1e-3 : ATOL;
  }
}
