package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class CudaProbeTest {
  @Test
  void probeAnswersWithoutThrowingForAnyOrdinal() {
    for (int ordinal : new int[] {-1, 0, 1, 1000}) {
      CudaAvailability a = CudaProbe.probe(ordinal);
      assertNotNull(a.reason());
      assertFalse(a.reason().isBlank(), "a reason even when usable");
      assertNotNull(a.cublasReason());
      assertEquals(a.cublas(), a.cublasReason().isEmpty(), a.cublasReason());
    }
    assertFalse(CudaProbe.probe(1000).usable(), "no machine has 1001 GPUs");
  }

  @Test
  void withoutADriverTheReasonNamesTheDriver() {
    CudaAvailability a = CudaProbe.probe(0);
    assumeTrue(a.deviceCount() == 0, "this machine has a CUDA device: " + a.reason());
    assertFalse(a.usable());
    assertTrue(a.reason().contains("driver"), a.reason());
    assertEquals("", a.arch());
    assertEquals("", a.deviceName());
  }

  @Test
  void nvrtcVersionMatchesTheCompiler() {
    GpuAssumptions.assumeNvrtc();
    assertEquals(Nvrtc.version(), CudaProbe.probe(0).nvrtcVersion());
  }

  @Test
  void aUsableDeviceHasAnArchNvrtcCanTarget() {
    CudaAvailability a = GpuAssumptions.assumeGpu();
    assertTrue(a.arch().matches("sm_\\d{2,3}"), a.arch());
    assertFalse(a.deviceName().isEmpty());
    assertTrue(a.deviceCount() >= 1);
  }
}
