package dev.ember.executor.backend.cuda;

import java.util.Locale;

/**
 * Settings of the CUDA backend. {@code gemm} chooses the GEMM: {@code cublas} (JCublas2, where
 * libcublas.so.12 loads), {@code generated} (NVRTC-compiled kernels of {@code precision}), or
 * {@code auto} (cuBLAS when it loads, else generated). {@code graphs} captures one CUDA graph per
 * captured size at compile level 3; {@code graphMemoryBytes} bounds the device memory that
 * captured variants hold as their own static buffers (beyond it, variants run launch by launch on
 * the device's shared scratch memory). {@code gemmTuning} measures, per GEMM shape, every route
 * the chosen GEMMs offer (cuBLAS where {@code auto} finds it, each generated tile, split-K) and
 * keeps the fastest that agrees with the float32 reference ({@link GemmTuner}); off, each shape
 * takes the built-in rule's tile ({@link MmaTile#forShape}) or cuBLAS.
 */
public record CudaOptions(String gemm, GemmPrecision precision, boolean graphs,
    long graphMemoryBytes, boolean gemmTuning) {
  public CudaOptions {
    gemm = gemm.strip().toLowerCase(Locale.ROOT);
    if (!gemm.equals("auto") && !gemm.equals("cublas") && !gemm.equals("generated")) {
      throw new IllegalArgumentException(
          "unknown CUDA GEMM '" + gemm + "': use auto, cublas or generated");
    }
    if (graphMemoryBytes < 0) {
      throw new IllegalArgumentException("graphMemoryBytes must be >= 0: " + graphMemoryBytes);
    }
  }

  /** auto GEMM, TF32, graphs on, 4 GiB for captured variants, GEMM routes measured. */
  public static CudaOptions defaults() {
    return new CudaOptions("auto", GemmPrecision.TF32, true, 4L << 30, true);
  }

  public CudaOptions withGemm(String g) {
    return new CudaOptions(g, precision, graphs, graphMemoryBytes, gemmTuning);
  }

  public CudaOptions withPrecision(GemmPrecision p) {
    return new CudaOptions(gemm, p, graphs, graphMemoryBytes, gemmTuning);
  }

  public CudaOptions withGraphs(boolean on) {
    return new CudaOptions(gemm, precision, on, graphMemoryBytes, gemmTuning);
  }

  public CudaOptions withGraphMemoryBytes(long bytes) {
    return new CudaOptions(gemm, precision, graphs, bytes, gemmTuning);
  }

  public CudaOptions withGemmTuning(boolean on) {
    return new CudaOptions(gemm, precision, graphs, graphMemoryBytes, on);
  }
}
