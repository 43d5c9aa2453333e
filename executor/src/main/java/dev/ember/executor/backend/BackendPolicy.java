package dev.ember.executor.backend;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.Locale;

/**
 * Which engine runs a model ({@code spark.ember.backend}): Ember's own backend, ONNX Runtime, or
 * Ember with ONNX Runtime for the models Ember cannot compile.
 */
public enum BackendPolicy {
  /** Ember when it implements every op of the model, else ONNX Runtime (logged, with the ops). */
  AUTO,
  /** Ember only: a model with an op Ember lacks fails with UNSUPPORTED_OP naming the ops. */
  EMBER,
  /** ONNX Runtime for every model, e.g. to compare it with Ember. */
  ORT;

  /** The Maven coordinates of the ONNX Runtime build the fallback is written and tested against. */
  public static final String ORT_COORDINATES = "com.microsoft.onnxruntime:onnxruntime:1.23.2";

  /**
   * The policy named {@code text} (auto, ember, ort; any case).
   *
   * @throws dev.ember.executor.errors.EmberException BAD_CONF for any other name
   */
  public static BackendPolicy parse(String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (BackendPolicy p : values()) {
      if (p.name().equals(t)) {
        return p;
      }
    }
    throw Errors.of(ErrorCode.BAD_CONF, "backend policy '" + text + "' is not one of auto, ember,"
        + " ort", "set spark.ember.backend to auto, ember or ort");
  }

  /** The lower-case name, as the configuration spells it. */
  public String confValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
