package dev.ember.bench.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Minimal JSON for the results: maps, lists, strings, numbers, booleans and null. */
final class Json {
  private Json() {}

  static String write(Object v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, "");
    return sb.toString();
  }

  private static void write(Object v, StringBuilder sb, String indent) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Map<?, ?> m) {
      String in = indent + "  ";
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "\n" : ",\n").append(in);
        string(String.valueOf(e.getKey()), sb);
        sb.append(": ");
        write(e.getValue(), sb, in);
        first = false;
      }
      sb.append(first ? "}" : "\n" + indent + "}");
    } else if (v instanceof List<?> l) {
      String in = indent + "  ";
      sb.append('[');
      boolean first = true;
      for (Object o : l) {
        sb.append(first ? "\n" : ",\n").append(in);
        write(o, sb, in);
        first = false;
      }
      sb.append(first ? "]" : "\n" + indent + "]");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else {
      string(v.toString(), sb);
    }
  }

  private static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
