package dev.ember.executor.errors;

/**
 * Factory for every {@link EmberException}. Messages follow one pattern: what failed, where,
 * why, then "Fix: ..." with the action a user can take.
 */
public final class Errors {
  private Errors() {}

  public static EmberException of(ErrorCode code, String what, String fix) {
    return new EmberException(code, withFix(what, fix), null);
  }

  public static EmberException of(ErrorCode code, String what, String fix, Throwable cause) {
    return new EmberException(code, withFix(what, fix), cause);
  }

  public static EmberException modelInvalid(String source, String why, Throwable cause) {
    return of(
        ErrorCode.MODEL_INVALID,
        "cannot read ONNX model '" + source + "': " + why,
        "check that the file is a complete ONNX model (re-export or re-download it; "
            + "`python -m onnx.checker` on the file names the broken part)",
        cause);
  }

  public static EmberException modelUnsupported(String source, String why, String fix) {
    return of(ErrorCode.MODEL_UNSUPPORTED, "model '" + source + "': " + why, fix);
  }

  public static EmberException graphInvalid(String graph, String why) {
    return of(
        ErrorCode.GRAPH_INVALID,
        "graph '" + graph + "' is not well formed: " + why,
        "re-export the model; if it loads in ONNX Runtime, report it as an Ember bug");
  }

  /** Prefixes a node description (name, op, opset) to an error raised inside a node. */
  public static EmberException atNode(
      ErrorCode code, String nodeDescription, String why, String fix, Throwable cause) {
    return of(code, "node " + nodeDescription + ": " + why, fix, cause);
  }

  /**
   * A fresh exception with {@code original}'s code and message and {@code original} as its cause:
   * for a failure recorded once (a model that did not load at executor start) and raised again in
   * each task that needs it, with that task's stack.
   */
  public static EmberException again(EmberException original) {
    String prefix = original.code() + ": ";
    String message = original.getMessage();
    return new EmberException(
        original.code(),
        message.startsWith(prefix) ? message.substring(prefix.length()) : message,
        original);
  }

  /** The message, with secrets of any model location in it hidden ({@link Redaction}). */
  private static String withFix(String what, String fix) {
    if (fix == null || fix.isEmpty()) {
      return Redaction.redact(what);
    }
    return Redaction.redact(what + ". Fix: " + fix);
  }
}
