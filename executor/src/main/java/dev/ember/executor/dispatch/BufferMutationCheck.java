package dev.ember.executor.dispatch;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses a variant to be captured whose generated source writes into a persistent buffer (vLLM's
 * cudagraph buffer-mutation check): replaying such a variant would change the weights under every
 * later call, silently. Generated code names persistent buffers {@code const_<name>} (the backends'
 * convention); a write is an assignment, compound assignment, {@code ++}/{@code --} on {@code
 * const_<name>[...]}, or {@code System.arraycopy}/{@code Arrays.fill} into it. The op is named from
 * the line's trailing comment or the nearest {@code // node ...} comment above it.
 *
 * <p>A text check, so it sees only writes spelled out in the source: a helper method that writes
 * into an array it is handed is not caught.
 */
final class BufferMutationCheck {
  /** One offending line: 1-based number, its text, the node comment that applies (or null). */
  record Finding(int line, String text, String node) {}

  private static final String CONST = "\\bconst_\\w+";
  private static final String INDEX = "\\s*\\[[^;=]*\\]";
  private static final Pattern[] WRITES = {
    // const_w[i] = x, const_w[i][j] += x; the "(?!=)" keeps "==" a comparison.
    Pattern.compile(CONST + INDEX + "\\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=)"),
    Pattern.compile(CONST + INDEX + "\\s*(?:\\+\\+|--)"),
    Pattern.compile("(?:\\+\\+|--)\\s*" + CONST + "\\s*\\["),
    Pattern.compile("System\\.arraycopy\\s*\\([^,]*,[^,]*,\\s*" + CONST + "\\s*,"),
    Pattern.compile("\\bArrays\\.fill\\s*\\(\\s*" + CONST + "\\s*,"),
  };

  private static final Pattern NODE_COMMENT =
      Pattern.compile("^\\s*(?://|/\\*+|\\*)\\s*(node\\b.*)");

  private BufferMutationCheck() {}

  /** Every line of {@code source} that writes into a {@code const_} buffer. */
  static List<Finding> scan(String source) {
    String[] lines = source.split("\r?\n", -1);
    List<Finding> found = new ArrayList<>();
    String node = null;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher nc = NODE_COMMENT.matcher(line);
      if (nc.find()) {
        node = trimComment(nc.group(1));
        continue;
      }
      int cut = line.indexOf("//");
      String code = cut >= 0 ? line.substring(0, cut) : line;
      if (writes(code)) {
        String trailing = cut >= 0 ? trimComment(line.substring(cut + 2)) : null;
        found.add(new Finding(i + 1, line.strip(), trailing != null ? trailing : node));
      }
    }
    return found;
  }

  /**
   * Throws BUFFER_MUTATION when {@code source} writes into a persistent buffer.
   *
   * @param where the wrapper and variant, for the message
   */
  static void refuse(String source, String where) {
    List<Finding> found = scan(source);
    if (found.isEmpty()) {
      return;
    }
    throw error(found, where);
  }

  private static EmberException error(List<Finding> found, String where) {
    StringBuilder quoted = new StringBuilder();
    List<String> nodes = new ArrayList<>();
    for (Finding f : found) {
      quoted.append("\n  line ").append(f.line()).append(": ").append(f.text());
      if (f.node() != null && !nodes.contains(f.node())) {
        nodes.add(f.node());
      }
    }
    String at = nodes.isEmpty() ? "" : " at " + String.join(", ", nodes);
    return Errors.of(
        ErrorCode.BUFFER_MUTATION,
        where
            + ": the generated source writes into a persistent buffer"
            + at
            + "; a captured variant is replayed for every call, so the weight would change"
            + " under later calls. Offending generated lines:"
            + quoted
            + "\n",
        "make the op write into a scratch buffer (a backend bug if the model does not assign"
            + " to a weight), or run below compile level 3 (spark.ember.compile.level=2)");
  }

  private static boolean writes(String code) {
    if (!code.contains("const_")) {
      return false;
    }
    for (Pattern p : WRITES) {
      if (p.matcher(code).find()) {
        return true;
      }
    }
    return false;
  }

  private static String trimComment(String c) {
    String t = c.strip();
    if (t.endsWith("*/")) {
      t = t.substring(0, t.length() - 2).strip();
    }
    return t.isEmpty() ? null : t;
  }
}
