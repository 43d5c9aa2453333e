package dev.ember.executor.errors;

import java.util.regex.Pattern;

/**
 * Hides the secrets a model location can carry before it reaches a log line or an error message:
 * the user info of a URI ({@code hdfs://alice:token@nn/...}, {@code s3a://KEY:SECRET@bucket/...})
 * and its query string (signed URLs: {@code https://host/m.onnx?X-Amz-Signature=...}). Works on
 * free text, so a message that quotes a location, or a foreign exception's message, can be passed
 * whole. Every {@link EmberException} message goes through it ({@link Errors}); logs that name a
 * model spec call it themselves.
 *
 * <pre>{@code
 * Redaction.redact("cannot read 'https://u:t@h/m.onnx?sig=1'");
 * // "cannot read 'https://***@h/m.onnx?***'"
 * }</pre>
 */
public final class Redaction {
  /** What replaces a secret. */
  public static final String MASK = "***";

  /**
   * The user info after "scheme://", up to the last '@' before the path: a password may hold an
   * unescaped '@', and then all of it must go.
   */
  private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/\\s'\"]*@");

  /** The query of a URI ("scheme:/..." or "scheme://..."), up to a space, quote or fragment. */
  private static final Pattern QUERY =
      Pattern.compile("(\\b[A-Za-z][A-Za-z0-9+.-]*:/[^\\s'\"?]*)\\?[^\\s'\"#]+");

  private Redaction() {}

  /** {@code text} with every URI's user info and query string replaced by {@link #MASK}. */
  public static String redact(String text) {
    if (text == null || (text.indexOf('@') < 0 && text.indexOf('?') < 0)) {
      return text;
    }
    String noUser = USER_INFO.matcher(text).replaceAll(MASK + "@");
    return QUERY.matcher(noUser).replaceAll("$1?" + MASK);
  }
}
