package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every generated GEMM kernel compiles with NVRTC for Ampere and Hopper. Needs only {@code
 * libnvrtc.so.12}, no GPU; skips when NVRTC does not load.
 */
class GemmKernelsNvrtcTest {
  @BeforeAll
  static void needsNvrtc() {
    String why = Nvrtc.unavailableReason();
    assumeTrue(why == null, () -> "NVRTC is not available: " + why);
  }

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void compilesForAmpereAndHopper(GemmPrecision p) {
    for (MmaTile tile : p == GemmPrecision.FP32 ? new MmaTile[] {MmaTile.T128_K32} : MmaTile.values()) {
      for (String arch : new String[] {"sm_80", "sm_90"}) {
        long start = System.nanoTime();
        byte[] cubin = new Nvrtc().compile(GemmKernels.source(p, tile), arch,
            GemmKernels.kernelName(p, tile));
        System.out.printf("NVRTC %s %s: %d bytes in %d ms%n", GemmKernels.kernelName(p, tile),
            arch, cubin.length, (System.nanoTime() - start) / 1_000_000);
        assertTrue(cubin.length > 0);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void biasFillCompiles(String arch) {
    assertTrue(new Nvrtc().compile(GemmKernels.biasFillSource(), arch, "bias_fill").length > 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void splitKReduceCompiles(String arch) {
    assertTrue(new Nvrtc().compile(SplitK.reduceSource(), arch, "splitk_reduce").length > 0);
  }

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void compilesForItsMinimumArch(GemmPrecision p) {
    String arch = GemmKernels.minimumArch(p);
    assertTrue(new Nvrtc().compile(GemmKernels.source(p), arch, "gemm_min").length > 0);
  }
}
