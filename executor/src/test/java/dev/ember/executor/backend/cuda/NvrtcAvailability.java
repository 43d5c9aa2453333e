package dev.ember.executor.backend.cuda;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Skips NVRTC tests where libnvrtc.so.12 is missing, unless -Dember.nvrtc.required=true. */
final class NvrtcAvailability {
  private NvrtcAvailability() {}

  static void assumeNvrtc() {
    String why = Nvrtc.unavailableReason();
    if (why != null && Boolean.getBoolean("ember.nvrtc.required")) {
      Assertions.fail("NVRTC is required here but " + why);
    }
    Assumptions.assumeTrue(why == null, "NVRTC is not available: " + why);
  }
}
