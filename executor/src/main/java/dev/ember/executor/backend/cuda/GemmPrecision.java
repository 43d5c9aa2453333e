package dev.ember.executor.backend.cuda;

/**
 * The arithmetic of a generated GEMM kernel. Every kind reads and writes float32 and accumulates
 * in float32; the tensor-core kinds round A and B to their input type first.
 */
public enum GemmPrecision {
  /**
   * Float32 accuracy: plain CUDA cores (the exact reference on the device), or on sm_80+, where
   * the tuner measures it faster, tensor cores with each input split into two TF32 parts and
   * three products (3xTF32).
   */
  FP32("fp32"),
  /** Tensor cores, inputs rounded to TF32 (10-bit mantissa). */
  TF32("tf32"),
  /** Tensor cores, inputs rounded to IEEE half. */
  FP16("fp16"),
  /** Tensor cores, inputs rounded to bfloat16. */
  BF16("bf16");

  private final String confName;

  GemmPrecision(String confName) {
    this.confName = confName;
  }

  /**
   * The largest error a GEMM of this precision may show against the float32 reference, relative
   * to the largest output: inputs rounded to 10 (tf32, fp16) or 7 (bf16) mantissa bits; fp32
   * differs only in summation order.
   */
  public double tolerance() {
    return switch (this) {
      case FP32 -> 1e-5;
      case TF32, FP16 -> 5e-3;
      case BF16 -> 3e-2;
    };
  }

  /** The name used in configuration and cache keys. */
  public String confName() {
    return confName;
  }

  /** The precision named {@code s} (fp32, tf32, fp16, bf16), case-insensitive. */
  public static GemmPrecision parse(String s) {
    for (GemmPrecision p : values()) {
      if (p.confName.equalsIgnoreCase(s.strip())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown GEMM precision '" + s + "': use fp32, tf32, fp16 or bf16");
  }
}
