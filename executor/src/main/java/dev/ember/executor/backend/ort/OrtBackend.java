package dev.ember.executor.backend.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * ONNX Runtime behind Ember's {@link Backend} interface, for models Ember cannot compile. It runs
 * the model's own ONNX bytes (not Ember's graph, which may hold ops Ember cannot even type), in
 * one {@link OrtSession} per backend, which is one per model and executor: every variant the
 * compile wrapper plans (each captured batch size) shares it, since a session takes any shape.
 * ORT's optimised model is the artifact of the first variant this backend compiles, so a
 * compile-cache hit opens the session from it without optimising again; the other variants save
 * only its digest (the model can be hundreds of MiB, and level 3 plans many variants), and one of
 * them loaded before the session is open optimises the model again. Thread-safe: the session is
 * opened once, and {@code run} is.
 */
final class OrtBackend implements Backend {
  static final String NAME = "onnxruntime";

  /** The artifact holding ORT's optimised model (SessionOptions' optimized model file). */
  static final String OPTIMIZED_MODEL = "ort-optimized.onnx";

  /** The artifact of the other variants: the SHA-256 of the optimised model they run. */
  static final String OPTIMIZED_DIGEST = "ort-optimized.sha256";

  private final byte[] model;
  private final String source;
  private final OrtEnvironment env;
  private final AtomicBoolean modelSaved = new AtomicBoolean();
  private volatile Opened opened;

  /**
   * The open session, ORT's optimised model and its readable dump (the variants' "transformed
   * code").
   */
  record Opened(OrtSession session, byte[] optimized, String dump) {
    /** The optimised model itself, or ({@code full} false) only its digest. */
    VariantArtifacts artifacts(boolean full) {
      return new VariantArtifacts(full ? Map.of(OPTIMIZED_MODEL, optimized)
          : Map.of(OPTIMIZED_DIGEST, sha256(optimized)));
    }

    private static byte[] sha256(byte[] bytes) {
      try {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        return java.util.HexFormat.of().formatHex(d)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM ships SHA-256", e);
      }
    }
  }

  /** {@code model} is kept, not copied: the caller hands it over. */
  OrtBackend(byte[] model, String source) {
    this.model = model;
    this.source = source;
    this.env = OrtEnvironment.getEnvironment();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    Opened o = open(null);
    return new OrtVariant(key, env, o, o.artifacts(modelSaved.compareAndSet(false, true)));
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    byte[] optimized = artifacts.get(OPTIMIZED_MODEL);
    if (optimized == null && artifacts.get(OPTIMIZED_DIGEST) == null) {
      throw Errors.of(ErrorCode.IO_ERROR, "the cached ONNX Runtime variant of '" + source
          + "' has neither " + OPTIMIZED_MODEL + " nor " + OPTIMIZED_DIGEST,
          "nothing: the entry is compiled again");
    }
    if (optimized != null) {
      modelSaved.set(true); // the cache holds it already
    }
    return new OrtVariant(key, env, open(optimized), artifacts);
  }

  /** The shared session: opened from {@code optimized} when given, else from the model. */
  private Opened open(byte[] optimized) {
    Opened o = opened;
    if (o != null) {
      return o;
    }
    synchronized (this) {
      if (opened == null) {
        opened = optimized != null ? reopen(optimized) : optimise();
      }
      return opened;
    }
  }

  private Opened optimise() {
    Path file = null;
    try {
      // Files.createTempFile makes the file readable by this user only.
      file = Files.createTempFile("ember-ort-", ".onnx");
      OrtSession session;
      try (OrtSession.SessionOptions opts = options()) {
        opts.setOptimizedModelFilePath(file.toString());
        session = env.createSession(model, opts);
      }
      byte[] optimized = Files.readAllBytes(file);
      return new Opened(session, optimized, OptimizedModelText.of(optimized, source));
    } catch (OrtException | IOException e) {
      throw failed(e);
    } finally {
      deleteQuietly(file);
    }
  }

  private Opened reopen(byte[] optimized) {
    try (OrtSession.SessionOptions opts = options()) {
      OrtSession session = env.createSession(optimized, opts);
      return new Opened(session, optimized, OptimizedModelText.of(optimized, source));
    } catch (OrtException e) {
      throw failed(e);
    }
  }

  private static OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    // EXTENDED, not ALL: ALL's layout rewrites tie the saved model to this CPU, and it is cached.
    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
    // Spark runs one task per core and tasks share the session: one thread per run keeps the
    // cores from being oversubscribed.
    opts.setIntraOpNumThreads(1);
    opts.setInterOpNumThreads(1);
    return opts;
  }

  private RuntimeException failed(Exception e) {
    return Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
        "ONNX Runtime could not open model '" + source + "': " + e.getMessage(),
        "check that ONNX Runtime " + dev.ember.executor.backend.BackendPolicy.ORT_COORDINATES
            + " supports the model's opsets, or re-export it", e);
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      file.toFile().deleteOnExit();
    }
  }

}
