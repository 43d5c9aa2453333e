package dev.ember.executor.errors;

/**
 * The one unchecked root of Ember's errors. Build instances through {@link Errors}; the message
 * says what failed, where, why and how to fix it.
 */
public class EmberException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  EmberException(ErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  /** The stable category of this failure. */
  public ErrorCode code() {
    return code;
  }
}
