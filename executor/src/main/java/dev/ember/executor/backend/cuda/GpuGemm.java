package dev.ember.executor.backend.cuda;

/** A GEMM on the device, enqueued on its driver's stream. */
public interface GpuGemm {
  /** Name for logs, tuning records and cache keys, e.g. "cublas" or "nvrtc-tf32". */
  String name();

  /** True when this implementation can run {@code s}. */
  default boolean supports(GemmShape s) {
    return whyNot(s) == null;
  }

  /** Null when {@code s} is supported, else the reason. */
  String whyNot(GemmShape s);

  /** Enqueues C = alpha A B + beta bias; {@code bias} is 0 when the shape has none. */
  void enqueue(GemmShape s, long a, long b, long c, long bias);
}
