package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * FP32's register-blocked SIMT tiles on the host emulator against the reference SIMT kernel: both
 * sum each output in K order with {@code fmaf} from zero, so every tile must give the same bits,
 * on shapes that cut tiles and K slices at their edges, read A along M and B along K, broadcast a
 * bias either way, batch, store rows whose stride rules out 16-byte stores, and fuse an epilogue.
 * C is poisoned with NaN before each route, so an output left unwritten fails, and so does a
 * float of C's span that is no output but was written.
 */
class SimtTilesEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
  }

  private static Map<String, GemmShape> shapes() {
    Map<String, GemmShape> s = new LinkedHashMap<>();
    // Every tile cut in M and N, K ending inside an 8-deep slice; 16-byte stores but the last.
    s.put("ragged edges", GemmShape.rowMajor(1, 139, 204, 45));
    // A read along M (transposed), B along K (Gemm's transB), a bias row.
    s.put("A and B transposed", new GemmShape(1, 70, 72, 40, 0, 1, 70, 0, 1, 40, 0, 72, 0.5f,
        2f, true, 0, 1));
    // Attention-like products: a batch, alpha, a broadcast bias column, a C row wider than N.
    s.put("batched", new GemmShape(3, 20, 16, 32, 20 * 32, 32, 1, 32 * 16, 16, 1, 20 * 20, 20,
        0.125f, 1f, true, 1, 0));
    // C's rows on an odd stride: no 16-byte store is aligned, every output goes alone.
    s.put("odd C stride", new GemmShape(1, 37, 45, 64, 0, 64, 1, 0, 48, 1, 0, 45, 1f, 0f,
        false, 0, 0));
    // C's rows on 16 bytes but N 47: a row's last three outputs go alone, past them a gap.
    s.put("ragged N, aligned C", new GemmShape(1, 37, 47, 64, 0, 64, 1, 0, 48, 1, 0, 48, 1f,
        0f, false, 0, 0));
    // MiniLM's FFN up-projection, shrunk: a weight B and erf GELU fused after the bias.
    s.put("dense GELU", new GemmShape(1, 130, 96, 24, 0, 24, 1, 0, 96, 1, 0, 96, 1f, 1f,
        true, 0, 1).withEpilogue(GemmKernelsNvrtcTest.GELU));
    return s;
  }

  @Test
  void everyTileGivesTheReferencesBits() {
    List<String> failures = new ArrayList<>();
    List<String> ran = new ArrayList<>();
    try (GeneratedGemm fp32 = new GeneratedGemm(driver, new HostKernelCompiler(),
        GemmPrecision.FP32)) {
      for (Map.Entry<String, GemmShape> e : shapes().entrySet()) {
        GemmShape shape = e.getValue();
        GemmOperands o = GemmOperands.random(driver, shape);
        try {
          fp32.enqueue(shape, o.a(), o.b(), o.c(), o.bias());
          float[] want = o.outputs(driver, shape);
          for (GemmRoute r : fp32.routes(shape)) {
            if (!r.name().matches("nvrtc-fp32-s\\d+x\\d+")) {
              continue; // the reference, 3xTF32 and split routes: GemmTensorCoreEmulatedTest
            }
            GemmTensorCoreEmulatedTest.poison(driver, o);
            r.enqueue(o.a(), o.b(), o.c(), o.bias());
            ran.add(e.getKey() + " / " + r.name());
            float[] got = o.outputs(driver, shape);
            int differ = 0;
            for (int i = 0; i < want.length; i++) {
              differ += Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i]) ? 1 : 0;
            }
            if (differ > 0) {
              failures.add(ran.get(ran.size() - 1) + ": " + differ + " of " + want.length
                  + " outputs differ from the reference");
            }
            int gaps = GemmTensorCoreEmulatedTest.gapsWritten(driver, o, shape);
            if (gaps > 0) {
              failures.add(ran.get(ran.size() - 1) + ": wrote " + gaps + " floats between rows");
            }
            r.release();
          }
        } finally {
          o.free(driver);
        }
      }
    }
    assertEquals(List.of(), failures);
    assertEquals(shapes().size() * SimtTile.values().length, ran.size(), String.valueOf(ran));
  }

  /** The tiles come after the reference, which stays the route an untuned GEMM takes. */
  @Test
  void theTilesFollowTheReference() {
    try (GeneratedGemm fp32 = new GeneratedGemm(driver, new HostKernelCompiler(),
        GemmPrecision.FP32)) {
      List<String> names = fp32.routes(GemmShape.rowMajor(1, 2048, 384, 384)).stream()
          .map(GemmRoute::name).toList();
      assertEquals(List.of("nvrtc-fp32", "nvrtc-fp32-s128x128", "nvrtc-fp32-s128x64",
          "nvrtc-fp32-s64x64"), names.subList(0, 4));
      assertTrue(names.stream().skip(4).noneMatch(n -> n.matches("nvrtc-fp32-s.*")), names
          .toString());
    }
  }
}
