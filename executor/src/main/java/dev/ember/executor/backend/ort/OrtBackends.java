package dev.ember.executor.backend.ort;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;

/**
 * The one door to ONNX Runtime, an optional dependency: it checks that ORT's classes are there
 * before anything links against them, so a JVM without the jar never sees a NoClassDefFoundError,
 * and models Ember compiles never touch ORT at all. This class itself names no ORT class.
 *
 * <pre>{@code
 * Backend ort = OrtBackends.create(modelBytes, "model.onnx", "it has ops Ember lacks: Hardmax");
 * }</pre>
 */
public final class OrtBackends {
  /** A class every ONNX Runtime Java build has; its absence means the jar is missing. */
  static final String PROBE_CLASS = "ai.onnxruntime.OrtEnvironment";

  private OrtBackends() {}

  /** Whether ONNX Runtime's Java classes can be loaded by {@code loader}. */
  public static boolean available(ClassLoader loader) {
    try {
      Class.forName(PROBE_CLASS, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * An ONNX Runtime backend over the model {@code model} (its ONNX bytes), with the class loader
   * that loaded Ember (the one ORT's classes will be linked through).
   *
   * @param why why ORT runs this model, for the error when ORT is missing
   * @throws dev.ember.executor.errors.EmberException DEPENDENCY_MISSING naming the jar to add
   */
  public static Backend create(byte[] model, String source, String why) {
    return create(model, source, why, OrtBackends.class.getClassLoader());
  }

  /** Like {@link #create(byte[], String, String)}, checking ORT's presence in {@code loader}. */
  public static Backend create(byte[] model, String source, String why, ClassLoader loader) {
    if (!available(loader)) {
      throw missing(source, why, null);
    }
    try {
      return new OrtBackend(model, source);
    } catch (NoClassDefFoundError e) {
      if (!String.valueOf(e.getMessage()).startsWith("Could not initialize")) {
        throw missing(source, why, e); // a class of ORT's is missing: an incomplete jar
      }
      throw nativeFailed(source, e);
    } catch (LinkageError e) {
      throw nativeFailed(source, e);
    }
  }

  /** The jar is there but its native library did not load (another OS or CPU). */
  private static RuntimeException nativeFailed(String source, LinkageError e) {
    return Errors.of(ErrorCode.DEPENDENCY_MISSING,
        "ONNX Runtime's native library did not load for model '" + source + "' (" + e + ")",
        "use the " + BackendPolicy.ORT_COORDINATES + " jar, which ships natives for Linux,"
            + " macOS and Windows on x64 and arm64", e);
  }

  /**
   * A backend named like ORT's that opens ONNX Runtime only when it first compiles or loads a
   * variant: for wrappers built to explain a plan ({@code bin/ember explain} on a driver that may
   * lack the jar), which compile nothing.
   */
  public static Backend deferred(byte[] model, String source, String why) {
    byte[] bytes = model;
    return new Backend() {
      private Backend real;

      @Override
      public String name() {
        return OrtBackend.NAME;
      }

      @Override
      public dev.ember.executor.backend.CompiledVariant compile(
          dev.ember.executor.ir.Graph graph, dev.ember.executor.backend.VariantKey key) {
        return real().compile(graph, key);
      }

      @Override
      public dev.ember.executor.backend.CompiledVariant load(
          dev.ember.executor.ir.Graph graph, dev.ember.executor.backend.VariantKey key,
          dev.ember.executor.backend.VariantArtifacts artifacts) {
        return real().load(graph, key, artifacts);
      }

      private synchronized Backend real() {
        if (real == null) {
          real = create(bytes, source, why);
        }
        return real;
      }
    };
  }

  private static RuntimeException missing(String source, String why, Throwable cause) {
    return Errors.of(ErrorCode.DEPENDENCY_MISSING,
        "model '" + source + "' needs ONNX Runtime (" + why + "), but its jar is not on the"
            + " executors' classpath (class " + PROBE_CLASS + " not found)",
        "add " + BackendPolicy.ORT_COORDINATES + " to the executors' classpath (spark-submit"
            + " --packages " + BackendPolicy.ORT_COORDINATES + ", or --jars"
            + " onnxruntime-1.23.2.jar), or set spark.ember.backend=ember for models Ember runs"
            + " itself", cause);
  }
}
