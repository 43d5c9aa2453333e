package dev.ember.executor.ops.math;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Element conversions for Cast. Floating to integer truncates toward zero and then wraps to the
 * target width, as C's cast through int64 does; integers narrow by wrapping; anything to BOOL is
 * "not zero" (so NaN is true). Strings parse as ONNX describes: plain or scientific numbers, and
 * INF, +INF, -INF and NaN in any case; "100.5" to an integer gives 100. Numbers format as numpy's
 * repr does ("0.1", "100.0", "1e-05"), with INF, -INF and NaN, and bools as "True" / "False".
 */
final class Conversions {
  private Conversions() {}

  private static final double TWO_63 = 0x1p63;

  static Tensor cast(Tensor x, DType to) {
    if (x.dtype() == to) {
      return x;
    }
    int[] shape = x.shape();
    switch (to.storage()) {
      case FLOAT:
        return Tensor.ofFloats(to, shape, toFloats(x, to));
      case DOUBLE:
        return Tensor.ofDoubles(shape, toDoubles(x));
      case LONG:
        return Tensor.ofLongs(to, shape, toLongs(x, to));
      case BOOL:
        return Tensor.ofBools(shape, toBools(x));
      default:
        return Tensor.ofStrings(shape, toStrings(x));
    }
  }

  private static float[] toFloats(Tensor x, DType to) {
    if (x.dtype().storage() == DType.Storage.FLOAT) {
      return x.rawFloats().clone(); // Tensor.ofFloats rounds to a narrower target in place
    }
    if (to == DType.FLOAT && x.dtype().isInteger() && x.dtype() != DType.UINT64) {
      long[] in = x.rawLongs();
      float[] out = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = in[i]; // one correct rounding; going through double could round twice
      }
      return out;
    }
    double[] d = toDoubles(x);
    float[] out = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = to == DType.FLOAT ? (float) d[i] : roundToOdd(d[i]);
    }
    return out;
  }

  /**
   * Narrows a double to float rounding to odd, so that the later rounding to FLOAT16 or BFLOAT16
   * (which keep far fewer bits) equals rounding the double directly.
   */
  static float roundToOdd(double d) {
    float f = (float) d;
    if ((double) f != d && !Double.isNaN(d) && (Float.floatToRawIntBits(f) & 1) == 0) {
      f = d > f ? Math.nextUp(f) : Math.nextDown(f);
    }
    return f;
  }

  private static double[] toDoubles(Tensor x) {
    if (x.dtype() == DType.STRING) {
      String[] in = x.rawStrings();
      double[] out = new double[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = parseDouble(in[i], i);
      }
      return out;
    }
    return Numeric.toDoubles(x);
  }

  private static long[] toLongs(Tensor x, DType to) {
    int n = x.size();
    long[] out = new long[n];
    switch (x.dtype().storage()) {
      case LONG:
        return x.rawLongs().clone(); // Tensor.ofLongs wraps to the target width in place
      case BOOL:
        boolean[] b = x.rawBools();
        for (int i = 0; i < n; i++) {
          out[i] = b[i] ? 1 : 0;
        }
        return out;
      case STRING:
        String[] s = x.rawStrings();
        for (int i = 0; i < n; i++) {
          out[i] = parseLong(s[i], to, i);
        }
        return out;
      default:
        for (int i = 0; i < n; i++) {
          out[i] = truncate(x.getDouble(i), to);
        }
        return out;
    }
  }

  /** Truncates toward zero; UINT64 targets keep values from 2^63 up as their unsigned bits. */
  static long truncate(double d, DType to) {
    if (to == DType.UINT64 && d >= TWO_63) {
      return (long) (d - TWO_63) ^ Long.MIN_VALUE;
    }
    return (long) d;
  }

  private static boolean[] toBools(Tensor x) {
    boolean[] out = new boolean[x.size()];
    if (x.dtype() == DType.STRING) {
      String[] s = x.rawStrings();
      for (int i = 0; i < out.length; i++) {
        out[i] = parseBool(s[i], i);
      }
      return out;
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = x.getDouble(i) != 0; // NaN != 0 holds, so NaN is true as in C
    }
    return out;
  }

  private static String[] toStrings(Tensor x) {
    DType t = x.dtype();
    String[] out = new String[x.size()];
    for (int i = 0; i < out.length; i++) {
      switch (t.storage()) {
        case FLOAT:
          out[i] = format(x.rawFloats()[i], t);
          break;
        case DOUBLE:
          out[i] = format(x.rawDoubles()[i], t);
          break;
        case LONG:
          long v = x.rawLongs()[i];
          out[i] = t == DType.UINT64 ? Long.toUnsignedString(v) : Long.toString(v);
          break;
        default:
          out[i] = x.rawBools()[i] ? "True" : "False";
          break;
      }
    }
    return out;
  }

  /** The shortest decimal that reads back as {@code v} in type {@code t}, numpy-style. */
  static String format(double v, DType t) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "INF" : "-INF";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(v);
    BigDecimal d = exact;
    for (int digits = 1; digits <= 17; digits++) {
      d = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (readsBack(d, v, t)) {
        break;
      }
    }
    d = d.stripTrailingZeros();
    double a = Math.abs(v);
    if (a >= 1e-4 && a < 1e16) {
      String plain = d.toPlainString();
      return plain.indexOf('.') < 0 ? plain + ".0" : plain;
    }
    String digits = d.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - d.scale();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (v < 0 ? "-" : "")
        + mantissa
        + "e"
        + (exponent < 0 ? "-" : "+")
        + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
  }

  private static boolean readsBack(BigDecimal d, double v, DType t) {
    return t == DType.DOUBLE ? d.doubleValue() == v : t.round(d.floatValue()) == (float) v;
  }

  /** Parses a number, or INF / +INF / -INF / NaN in any case; anything else fails. */
  static double parseDouble(String s, int index) {
    String t = s.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    boolean negative = lower.startsWith("-");
    String body = negative || lower.startsWith("+") ? lower.substring(1) : lower;
    if (body.equals("inf") || body.equals("infinity")) {
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (body.equals("nan")) {
      return Double.NaN;
    }
    // Java would also read hex floats and a trailing 'f' or 'd'; ONNX defines neither.
    if (body.isEmpty() || body.endsWith("f") || body.endsWith("d") || body.contains("x")) {
      throw notANumber(s, index);
    }
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw notANumber(s, index);
    }
  }

  private static long parseLong(String s, DType to, int index) {
    String t = s.strip();
    try {
      return to == DType.UINT64 && !t.startsWith("-")
          ? Long.parseUnsignedLong(t)
          : Long.parseLong(t);
    } catch (NumberFormatException e) {
      return truncate(parseDouble(s, index), to); // "100.5" or "1e3" to an integer
    }
  }

  private static boolean parseBool(String s, int index) {
    String t = s.strip();
    if (t.equalsIgnoreCase("true")) {
      return true;
    }
    if (t.equalsIgnoreCase("false")) {
      return false;
    }
    return parseDouble(s, index) != 0;
  }

  private static OpException notANumber(String s, int index) {
    return new OpException(
        ErrorCode.KERNEL_FAILED,
        "Cast cannot read string element " + index + " ('" + s + "') as a number",
        "clean the strings before the Cast, or keep non-numeric strings out of it");
  }
}
