package dev.ember.executor.backend.cuda;

import java.util.List;

/**
 * One way to run a {@link GemmShape} on the device: cuBLAS ({@link CublasGemm}) or an
 * NVRTC-compiled kernel ({@link GeneratedGemm}). Work is enqueued on the driver's stream and
 * captured into CUDA graphs like any other launch.
 *
 * <pre>{@code
 * GpuGemm gemm = new GeneratedGemm(driver, new Nvrtc(), GemmPrecision.TF32);
 * if (gemm.supports(shape)) {
 *   gemm.enqueue(shape, a, b, c, 0L);
 * }
 * }</pre>
 *
 * <p>Not thread-safe, like the driver it launches on. Close releases library handles (cuBLAS).
 */
public interface GpuGemm extends AutoCloseable {
  /** Stable name for logs and cache keys, e.g. "cublas-tf32" or "nvrtc-tf32". */
  String name();

  /** Whether {@link #enqueue} can run {@code s}. */
  default boolean supports(GemmShape s) {
    return whyNot(s) == null;
  }

  /** Null when {@code s} is supported, else why not (for explain output). */
  String whyNot(GemmShape s);

  /**
   * Enqueues {@code C = alpha * A B + beta * bias} on the driver's stream. Pointers are device
   * addresses; {@code bias} is ignored (may be 0) when {@code !s.hasBias()}, and must not overlap
   * {@code c}.
   *
   * @throws IllegalArgumentException when {@code s} is not supported
   */
  void enqueue(GemmShape s, long a, long b, long c, long bias);

  /**
   * The ways this GEMM can run {@code s}, the one {@link #enqueue} takes first; empty when it
   * cannot run {@code s} at all.
   */
  List<GemmRoute> routes(GemmShape s);

  @Override
  default void close() {}
}
