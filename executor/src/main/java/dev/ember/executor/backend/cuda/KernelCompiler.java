package dev.ember.executor.backend.cuda;

/**
 * Turns generated CUDA C into a module image that a {@link GpuDriver} loads: NVRTC's CUBIN for a
 * real device ({@link Nvrtc}), or what a host emulator needs in tests.
 */
public interface KernelCompiler {
  /** Stable name, part of the cache key, e.g. "nvrtc-12.4". */
  String name();

  /**
   * Compiles {@code source} for {@code arch} (e.g. "sm_90").
   *
   * @param program a file name for messages, e.g. "ember_kernels.cu"
   * @throws dev.ember.executor.errors.EmberException KERNEL_COMPILE_FAILED with the compiler's log
   *     and the numbered source lines it points at
   */
  byte[] compile(String source, String arch, String program);
}
