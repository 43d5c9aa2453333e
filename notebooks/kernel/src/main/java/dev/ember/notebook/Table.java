package dev.ember.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import scala.collection.Seq;

/** A table of short cell texts, rendered as HTML and as aligned plain text. */
record Table(List<String> columns, List<List<String>> cells) {
  /** Longest text a cell shows; longer ones end in an ellipsis. */
  static final int MAX_CELL = 70;
  /** Array elements shown before the count of the rest. */
  static final int MAX_ELEMENTS = 4;

  Table {
    columns = List.copyOf(columns);
    cells = cells.stream().map(List::copyOf).toList();
  }

  static Table of(List<String> columns, List<?> rows) {
    List<List<String>> cells = new ArrayList<>();
    for (Object r : rows) {
      List<?> values = r instanceof Row row ? rowValues(row) : (List<?>) r;
      cells.add(values.stream().map(Table::cellText).toList());
    }
    return new Table(columns, cells);
  }

  private static List<Object> rowValues(Row row) {
    List<Object> v = new ArrayList<>();
    for (int i = 0; i < row.length(); i++) {
      v.add(row.get(i));
    }
    return v;
  }

  static String cellText(Object v) {
    String s;
    if (v == null) {
      s = "null";
    } else if (v instanceof Seq<?> seq) {
      s = elements(scala.collection.JavaConverters.seqAsJavaList(seq));
    } else if (v instanceof List<?> list) {
      s = elements(list);
    } else if (v instanceof float[] f) {
      List<Object> l = new ArrayList<>();
      for (float x : f) {
        l.add(x);
      }
      s = elements(l);
    } else if (v instanceof Float || v instanceof Double) {
      s = String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue());
    } else {
      s = String.valueOf(v);
    }
    s = s.replace('\n', ' ');
    return s.length() <= MAX_CELL ? s : s.substring(0, MAX_CELL - 1) + "…";
  }

  private static String elements(List<?> list) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < Math.min(list.size(), MAX_ELEMENTS); i++) {
      b.append(i == 0 ? "" : ", ").append(cellText(list.get(i)));
    }
    if (list.size() > MAX_ELEMENTS) {
      b.append(", … ").append(list.size()).append(" values");
    }
    return b.append(']').toString();
  }

  String html() {
    StringBuilder b = new StringBuilder("<table>\n<thead><tr>");
    for (String c : columns) {
      b.append("<th>").append(escape(c)).append("</th>");
    }
    b.append("</tr></thead>\n<tbody>\n");
    for (List<String> row : cells) {
      b.append("<tr>");
      for (String c : row) {
        b.append("<td style=\"text-align:left\">").append(escape(c)).append("</td>");
      }
      b.append("</tr>\n");
    }
    return b.append("</tbody>\n</table>").toString();
  }

  String text() {
    int[] width = new int[columns.size()];
    for (int j = 0; j < width.length; j++) {
      width[j] = columns.get(j).length();
      for (List<String> row : cells) {
        width[j] = Math.max(width[j], j < row.size() ? row.get(j).length() : 0);
      }
    }
    StringBuilder b = new StringBuilder();
    line(b, columns, width);
    for (int j = 0; j < width.length; j++) {
      b.append(j == 0 ? "" : "-+-").append("-".repeat(width[j]));
    }
    b.append('\n');
    for (List<String> row : cells) {
      line(b, row, width);
    }
    return b.toString();
  }

  private static void line(StringBuilder b, List<String> values, int[] width) {
    for (int j = 0; j < width.length; j++) {
      String v = j < values.size() ? values.get(j) : "";
      b.append(j == 0 ? "" : " | ").append(v).append(" ".repeat(width[j] - v.length()));
    }
    b.append('\n');
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
