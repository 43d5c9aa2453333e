package dev.ember.executor.backend.cuda;

/**
 * Which operands a generated tensor-core GEMM kernel reads as 16-bit copies instead of float32
 * (fp16 and bf16 only): none; B, a weight's B^T copy ({@link HalfWeights}); or A too, a copy of
 * its rows the route makes before the product ({@link HalfRows}). Each copy is rounded as the
 * kernel would round the float32 value, so the product is the same.
 */
enum HalfOperands {
  NONE("", ""),
  B("_hb", "-hb"),
  A_AND_B("_hab", "-hab");

  private final String kernelSuffix;
  private final String routeSuffix;

  HalfOperands(String kernelSuffix, String routeSuffix) {
    this.kernelSuffix = kernelSuffix;
    this.routeSuffix = routeSuffix;
  }

  boolean a() {
    return this == A_AND_B;
  }

  boolean b() {
    return this != NONE;
  }

  /** What a kernel's name ends with: "_hb". */
  String kernelSuffix() {
    return kernelSuffix;
  }

  /** What a route's name ends with: "-hb", as in "nvrtc-fp16-t64k16s4-hb". */
  String routeSuffix() {
    return routeSuffix;
  }
}
