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
        if (p == GemmPrecision.FP16 || p == GemmPrecision.BF16) {
          String name = GemmKernels.kernelName(p, tile, GemmEpilogue.NONE, HalfOperands.B);
          String src = GemmKernels.source(p, tile, GemmEpilogue.NONE, HalfOperands.B);
          assertTrue(src.contains("const unsigned short* __restrict__ B"), name);
          assertTrue(new Nvrtc().compile(src, arch, name).length > 0, name);
          if (tile.stages() > 0) { // A's rows in 16 bits too
            String ab = GemmKernels.kernelName(p, tile, GemmEpilogue.NONE, HalfOperands.A_AND_B);
            String abSrc = GemmKernels.source(p, tile, GemmEpilogue.NONE, HalfOperands.A_AND_B);
            assertTrue(abSrc.contains("const unsigned short* __restrict__ A"), ab);
            assertTrue(new Nvrtc().compile(abSrc, arch, ab).length > 0, ab);
          }
        }
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
    for (GemmEpilogue e : new GemmEpilogue[] {GemmEpilogue.NONE, GELU}) {
      assertTrue(new Nvrtc().compile(SplitK.reduceSource(e), arch, "splitk_reduce").length > 0);
    }
  }

  /** Erf GELU as a one-variable chain, the epilogue MiniLM's FFN GEMMs get. */
  static final GemmEpilogue GELU = new GemmEpilogue(
      "  float v0 = x * 0.70710677f;\n  return 0.5f * x * (1.0f + ember_erf(v0));\n");

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void kernelsWithAnEpilogueCompile(GemmPrecision p) {
    for (MmaTile tile : new MmaTile[] {MmaTile.T64_K32, MmaTile.T64_ASYNC}) {
      String name = GemmKernels.kernelName(p, tile, GELU);
      String src = GemmKernels.source(p, tile, GELU);
      assertTrue(src.contains(name + "(") && src.contains("ember_erf(v0)"), name);
      assertTrue(new Nvrtc().compile(src, "sm_90", name).length > 0, name);
    }
    assertTrue(new Nvrtc().compile(GemmKernels.epilogueSource(GELU), "sm_80",
        GemmKernels.epilogueKernel(GELU)).length > 0);
  }

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void compilesForItsMinimumArch(GemmPrecision p) {
    String arch = GemmKernels.minimumArch(p);
    assertTrue(new Nvrtc().compile(GemmKernels.source(p), arch, "gemm_min").length > 0);
  }
}
