package dev.ember.spark.conf;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints {@link ConfBuilder#bytesConf() sizes} such as {@code 4g}. */
final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([kmgt]?)b?");
  private static final String UNITS = "kmgt";

  private ByteSizes() {}

  static Long parse(String s) {
    Matcher m = SIZE.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size");
    }
    String unit = m.group(2);
    int shift = unit.isEmpty() ? 0 : 10 * (UNITS.indexOf(unit) + 1);
    long number = Long.parseLong(m.group(1));
    if (number > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("too large");
    }
    return number << shift;
  }

  /** The shortest exact form: the largest unit that divides the size. */
  static String format(Long bytes) {
    long v = bytes;
    int unit = -1;
    while (unit < UNITS.length() - 1 && v != 0 && (v & 1023) == 0) {
      v >>= 10;
      unit++;
    }
    return unit < 0 ? Long.toString(v) : v + String.valueOf(UNITS.charAt(unit));
  }
}
