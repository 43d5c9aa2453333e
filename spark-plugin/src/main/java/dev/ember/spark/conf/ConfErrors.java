package dev.ember.spark.conf;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;

/** The configuration errors a user sees; the only place in this package that builds them. */
final class ConfErrors {
  /**
   * The code every configuration error carries. {@code ErrorCode} has no configuration-specific
   * code yet, so bad settings report as bad input; switch here once one exists.
   */
  static final ErrorCode CODE = ErrorCode.BAD_CONF;

  private ConfErrors() {}

  /** A value that does not parse or is not allowed: names the key, the value and what fits. */
  static EmberException invalidValue(String key, String raw, String allowed) {
    return Errors.of(
        CODE,
        key + " must be " + allowed + ", but was '" + raw + "'",
        "set " + key + " to " + allowed);
  }

  /** A {@code spark.ember.*} key that no {@link ConfEntry} declares. */
  static EmberException unknownKey(String key, String closestKey) {
    String fix =
        closestKey == null
            ? "remove it; docs/configuration.md lists every key"
            : "did you mean "
                + closestKey
                + "? Otherwise remove it; docs/configuration.md lists"
                + " every key";
    return Errors.of(CODE, "unknown configuration key " + key, fix);
  }

  /** A session tried to change a key that is read only when the application starts. */
  static EmberException startupOnly(String key, String startupValue, String sessionValue) {
    return Errors.of(
        CODE,
        key
            + " is read only when the application starts and cannot be changed in a running"
            + " session (it started with '"
            + startupValue
            + "', the session sets '"
            + sessionValue
            + "')",
        "set " + key + " when the application starts (spark-submit --conf " + key + "=...)");
  }
}
