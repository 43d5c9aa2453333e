package dev.ember.executor.backend.cpu;

/**
 * Builds generated Java source line by line with indentation, and hands out fresh local names so
 * that emitters never clash. {@link #numbered} renders the text with line numbers for logs.
 */
public final class JavaWriter {
  private final StringBuilder sb = new StringBuilder();
  private int indent;
  private int counter;

  /** A name not used before in this writer: {@code prefix} followed by a number. */
  public String freshName(String prefix) {
    return prefix + counter++;
  }

  /** Appends one line at the current indentation. */
  public JavaWriter line(String text) {
    if (!text.isEmpty()) {
      sb.append("  ".repeat(indent));
    }
    sb.append(text).append('\n');
    return this;
  }

  /** Appends {@code header} followed by " {" and indents. */
  public JavaWriter open(String header) {
    line(header + " {");
    indent++;
    return this;
  }

  /** Dedents and appends "}" (plus {@code trailer}). */
  public JavaWriter close(String trailer) {
    indent--;
    return line("}" + trailer);
  }

  public JavaWriter close() {
    return close("");
  }

  /** Appends raw text that already carries its own indentation and line ends. */
  public JavaWriter raw(String text) {
    sb.append(text);
    return this;
  }

  public int indent() {
    return indent;
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** {@code text} with 1-based line numbers, cut after {@code maxLines} lines. */
  public static String numbered(String text, int maxLines) {
    String[] lines = text.split("\n", -1);
    StringBuilder out = new StringBuilder();
    int n = Math.min(lines.length, maxLines);
    for (int i = 0; i < n; i++) {
      out.append(String.format("%5d | %s%n", i + 1, lines[i]));
    }
    if (lines.length > n) {
      out.append(String.format("  ... %d more lines%n", lines.length - n));
    }
    return out.toString();
  }
}
