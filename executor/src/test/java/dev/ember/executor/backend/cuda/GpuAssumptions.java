package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * JUnit assumptions for CUDA tests: GPU tests skip without a device; NVRTC tests skip without NVRTC
 * unless {@code -Dember.nvrtc.required=true} (CI, after {@code bin/ember fetch-nvrtc}), where a
 * missing NVRTC fails them instead of hiding them.
 */
final class GpuAssumptions {
  private static CudaAvailability device0;

  private GpuAssumptions() {}

  /** Skips the test unless device 0 can run the CUDA backend; returns what the probe found. */
  static synchronized CudaAvailability assumeGpu() {
    if (device0 == null) {
      device0 = CudaProbe.probe(0);
    }
    assumeTrue(device0.usable(), () -> "requires a CUDA device: " + device0.reason());
    return device0;
  }

  /** Skips the test without NVRTC, or fails it when {@code ember.nvrtc.required} is true. */
  static void assumeNvrtc() {
    String why = Nvrtc.unavailableReason();
    if (why != null && Boolean.getBoolean("ember.nvrtc.required")) {
      fail("NVRTC is required here (ember.nvrtc.required=true) but " + why);
    }
    assumeTrue(why == null, () -> "requires NVRTC (bin/ember fetch-nvrtc): " + why);
  }
}
