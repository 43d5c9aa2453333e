package dev.ember.executor.backend.cuda;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a GEMM does to each output element before it stores it, after alpha and the bias: an
 * elementwise chain of one variable folded in by {@link
 * dev.ember.executor.lower.Fusions#gemmEpilogue} (GELU, say), as the statements of a CUDA function
 * of {@code x} that return the result. Every GEMM kernel stores {@code ember_epilogue(v)}; the
 * translation unit defines that function, the identity for {@link #NONE}.
 *
 * <p>The body holds no node names, so the chains of every layer of a model are one epilogue, and
 * one kernel per tile serves them all.
 */
public record GemmEpilogue(String body) {
  /** No epilogue: the product is stored as it is. */
  public static final GemmEpilogue NONE = new GemmEpilogue("  return x;\n");

  public GemmEpilogue {
    if (!body.contains("return")) {
      throw new IllegalArgumentException("an epilogue body must return its result: " + body);
    }
  }

  public boolean isNone() {
    return equals(NONE);
  }

  /**
   * A short name that tells epilogues apart in kernel names and cache records: "" for
   * {@link #NONE}, else "e" and 8 hex digits of the body's SHA-256.
   */
  public String id() {
    if (isNone()) {
      return "";
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return "e" + HexFormat.of().formatHex(h, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** What kernel names built for this epilogue end with: "" for {@link #NONE}, else "_" + id. */
  public String suffix() {
    return isNone() ? "" : "_" + id();
  }

  /** {@link #id()}, or "none": what a GEMM shape's description shows, on one line. */
  @Override
  public String toString() {
    return isNone() ? "none" : id();
  }

  /** The device function every GEMM kernel's store calls, after the math helpers it may use. */
  public String function() {
    return CudaKernels.MATH + "__device__ __forceinline__ float ember_epilogue(float x) {\n"
        + body + "}\n";
  }
}
