package dev.ember.executor.ops.ml;

import java.util.ArrayList;
import java.util.List;

/** Java source literals that read back as exactly the value written (for generated code). */
final class TreeLiterals {
  private TreeLiterals() {}

  static String real(double v) {
    if (Double.isNaN(v)) {
      return "Double.NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
    }
    return Double.toString(v);
  }

  static String single(float v) {
    if (Float.isNaN(v)) {
      return "Float.NaN";
    }
    if (Float.isInfinite(v)) {
      return v > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
    }
    return Float.toString(v) + "f";
  }

  static String reals(double[] a) {
    if (a == null) {
      return "null";
    }
    List<String> parts = new ArrayList<>();
    for (double d : a) {
      parts.add(real(d));
    }
    return "new double[] {" + String.join(", ", parts) + "}";
  }

  static String longs(long[] a) {
    if (a == null) {
      return "null";
    }
    List<String> parts = new ArrayList<>();
    for (long v : a) {
      parts.add(v + "L");
    }
    return "new long[] {" + String.join(", ", parts) + "}";
  }

  /** A String literal (see {@link #strings}). */
  static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
        b.append(ch);
      } else if (ch < 0x80) {
        // octal: a unicode escape is decoded before lexing, so a newline in one ends the line
        b.append(String.format("\\%03o", (int) ch));
      } else {
        b.append(String.format("\\u%04x", (int) ch));
      }
    }
    return b.append('"').toString();
  }

  /** A String[] literal with quotes, backslashes and non-printable characters escaped. */
  static String strings(String[] a) {
    if (a == null) {
      return "null";
    }
    List<String> parts = new ArrayList<>();
    for (String s : a) {
      parts.add(string(s));
    }
    return "new String[] {" + String.join(", ", parts) + "}";
  }
}
