package dev.ember.executor.ops;

import dev.ember.executor.errors.ErrorCode;

/**
 * Raised inside an op (kernel or type inference) with the reason and fix; the caller that knows
 * the node and input shapes turns it into an {@code EmberException}.
 */
public final class OpException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final String fix;

  public OpException(ErrorCode code, String why, String fix) {
    super(why);
    this.code = code;
    this.fix = fix;
  }

  public ErrorCode code() {
    return code;
  }

  public String fix() {
    return fix;
  }

  /** Inputs whose shapes cannot go together. */
  public static OpException shapes(String why) {
    return new OpException(
        ErrorCode.SHAPE_MISMATCH, why, "check the input shapes against the model's inputs");
  }

  /** An attribute or attribute-like input out of range. */
  public static OpException attribute(String why) {
    return new OpException(ErrorCode.BAD_ATTRIBUTE, why, "re-export the model with valid values");
  }

  /** An element type the op does not take. */
  public static OpException dtype(String why) {
    return new OpException(
        ErrorCode.UNSUPPORTED_DTYPE, why, "cast the input to a supported type in the model");
  }
}
