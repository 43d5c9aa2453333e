package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GeneratedGemm;
import dev.ember.executor.backend.cuda.GpuGemm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GEMM table cut short keeps what it measured: its rows are saved after each shape, so a side
 * check whose timeout or fault ends it mid-way still leaves the shapes it finished in its JSON.
 */
class GemmTflopsEmulatedTest {
  @TempDir
  Path out;

  @Test
  void aTableCutShortKeepsTheShapesItFinished() throws Exception {
    Map<String, GemmShape> shapes = new LinkedHashMap<>();
    shapes.put("first 16x32x32", GemmShape.onWeight(16, 32, 32));
    shapes.put("second 16x32x64", GemmShape.onWeight(16, 32, 64));
    // One GEMM set per precision and shape: the fifth is the second shape's first; it fails.
    AtomicInteger sets = new AtomicInteger();
    GemmTflops.GemmSet failingLate = (driver, compiler, p) -> {
      if (sets.incrementAndGet() > GemmPrecision.values().length) {
        throw new IllegalStateException("the device fell over");
      }
      return p == GemmPrecision.FP32
          ? List.<GpuGemm>of(new GeneratedGemm(driver, compiler, p)) : List.of();
    };
    try (EmulatedRig rig = new EmulatedRig()) {
      assertEquals(1, GemmTflops.sideCheck(rig, new Results(out), shapes, failingLate));
    }
    String json = Files.readString(out.resolve("gpu-check.json"));
    assertTrue(json.contains("the device fell over"), json);
    assertTrue(json.contains("\"shape\": \"first 16x32x32\""), json);
    assertTrue(json.contains("\"route\": \"nvrtc-fp32-s64x64\""), json);
    assertFalse(json.contains("second 16x32x64"), json);
  }
}
