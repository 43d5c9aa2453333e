package dev.ember.spark;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.Redaction;
import java.io.Serializable;

/**
 * An executor's report to the driver that it cannot serve a model (or any model, when its device
 * is unusable), sent by {@link EmberExecutorPlugin} through the plugin RPC and handled by {@link
 * EmberDriverPlugin#receive}. Carries Ember's error code and message (already redacted).
 *
 * @param executorId the executor that failed
 * @param spec the model spec that failed to load, redacted; null when the device failed
 * @param code the {@link dev.ember.executor.errors.ErrorCode} name
 * @param message the exception's message, which starts with the code
 */
public record ExecutorStartFailure(String executorId, String spec, String code, String message)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static ExecutorStartFailure of(String executorId, String spec, EmberException e) {
    return new ExecutorStartFailure(
        executorId, spec == null ? null : Redaction.redact(spec), e.code().name(),
        e.getMessage());
  }

  /**
   * "executor 1 failed to load model '/m/model.onnx' at start: MODEL_INVALID: ...", or "executor
   * 1 cannot start: DEVICE_UNAVAILABLE: ..."; the reason every job fails with.
   */
  public String describe() {
    return "executor " + executorId
        + (spec == null ? " cannot start: " : " failed to load model '" + spec + "' at start: ")
        + message;
  }
}
