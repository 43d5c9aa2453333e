package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.conf.EmberConf;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code spark.ember.device} tells the CUDA engine about ops without CUDA kernels: {@code
 * auto} places each variant (host steps or the CPU, so the CPU knobs reach its keys), {@code cuda}
 * refuses them. No GPU needed: only the settings are checked here; the placement itself is tested
 * on the executor's host emulator (CudaHostStepsEmulatedTest).
 */
class BackendPlacementTest {
  private static EngineSettings onGpu(String mode) {
    return EngineSettings.from(EmberConf.from(Map.of("spark.ember.device", mode,
        "spark.ember.cpu.gemm", "java"))).withDevice(Device.cuda(0));
  }

  @Test
  void autoPlacesVariantsAndCudaRefuses() {
    assertTrue(onGpu("auto").cuda().autoPlacement());
    assertFalse(onGpu("cuda").cuda().autoPlacement());
    assertFalse(onGpu("auto").cuda().equals(onGpu("cuda").cuda()),
        "the two modes are different engines and compile-cache devices");
  }

  @Test
  void gemmTuningReachesTheBackendAndTellsEnginesApart() {
    EngineSettings tuned = onGpu("cuda");
    EngineSettings rule = EngineSettings.from(EmberConf.from(Map.of("spark.ember.device", "cuda",
        "spark.ember.cpu.gemm", "java", "spark.ember.cuda.gemmTuning", "false")))
        .withDevice(Device.cuda(0));
    assertTrue(BackendFactory.options(tuned.cuda()).gemmTuning());
    assertFalse(BackendFactory.options(rule.cuda()).gemmTuning());
    assertFalse(tuned.cuda().equals(rule.cuda()), "measured and rule-picked routes are cached apart");
  }

  @Test
  void underAutoTheCpuKnobsReachTheVariantKeys() {
    assertEquals("java", BackendFactory.backendOptions(onGpu("auto")).get("cpu.gemm"));
    assertEquals(Map.of(), BackendFactory.backendOptions(onGpu("cuda")));
  }
}
