package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The experimental wgmma GEMM without a GPU: NVRTC compiles it for sm_90a, and its shared layout
 * is the one its descriptors describe. A model of how wgmma walks a no-swizzle K-major operand
 * (core matrix (i, j) of a k16 step at start + i * SBO + j * LBO, row-major 8 x 8 halves inside)
 * must find every (row, k) of the stage exactly where the kernel's stores put it.
 */
class WgmmaGemmSourceTest {
  @Test
  void descriptorsWalkTheLayoutTheStoresWrite() {
    // A of two warpgroups (128 rows) is read as two 64-row operands, the second 8 groups in.
    for (int rows : new int[] {2 * WgmmaGemmSource.TILE_M, WgmmaGemmSource.TILE_N}) {
      Set<Integer> words = new HashSet<>();
      for (int step = 0; step < WgmmaGemmSource.SLICE_K / 16; step++) {
        int start = step * 2 * WgmmaGemmSource.LBO; // the bytes the kernel's step offset gives
        for (int r = 0; r < rows; r++) {
          for (int k = 0; k < 16; k += 2) {
            int i = r / 8;
            int j = k / 8;
            int byteAt = start + i * WgmmaGemmSource.SBO + j * WgmmaGemmSource.LBO
                + (r % 8) * 16 + (k % 8) * 2;
            int kInSlice = step * 16 + k;
            assertEquals(byteAt / 4, WgmmaGemmSource.word(r, kInSlice),
                "rows " + rows + ": row " + r + ", k " + kInSlice);
            assertTrue(words.add(byteAt / 4), "two (row, k) share word " + byteAt / 4);
          }
        }
      }
      assertEquals(rows * WgmmaGemmSource.SLICE_K / 2, words.size(), "the stage is filled");
    }
    // The kernel's descriptors start where the model does: warpgroup w at row group 8w, step s
    // two core matrices along K in.
    String src = WgmmaGemm.source(GemmPrecision.FP16, 2);
    int groupWords = WgmmaGemmSource.SBO / 4;
    for (int step = 0; step < WgmmaGemmSource.SLICE_K / 16; step++) {
      int offset = step * 2 * WgmmaGemmSource.LBO / 4;
      assertTrue(src.contains("ember_desc(&As[st][wg * " + 8 * groupWords + " + " + offset
          + "]), ember_desc(&Bs[st][" + offset + "])"), "step " + step);
    }
  }

  @Test
  void eachPairIsStagedOnceByWarpsThatFillSectorsAndBanks() {
    for (int rows : new int[] {64, 128}) {
      Set<Integer> seen = new HashSet<>();
      for (int u = 0; u < rows * 16; u++) {
        int r = WgmmaGemmSource.row(u, rows);
        int kp = WgmmaGemmSource.pair(u, rows);
        assertTrue(r >= 0 && r < rows && kp >= 0 && kp < 16, "u " + u + ": " + r + ", " + kp);
        assertTrue(seen.add(r * 16 + kp), "pair (" + r + ", " + kp + ") staged twice");
      }
      for (int warp = 0; warp < rows * 16 / 32; warp++) {
        Set<Integer> banks = new HashSet<>();
        Set<Integer> sectors = new HashSet<>();
        for (int lane = 0; lane < 32; lane++) {
          int u = warp * 32 + lane;
          int r = WgmmaGemmSource.row(u, rows);
          int kp = WgmmaGemmSource.pair(u, rows);
          banks.add(WgmmaGemmSource.word(r, 2 * kp) % 32);
          sectors.add(r * 2 + kp / 4); // 32-byte sectors of 8 floats along K (A's layout)
        }
        assertEquals(32, banks.size(), "rows " + rows + ", warp " + warp + ": bank conflicts");
        assertEquals(8, sectors.size(), "rows " + rows + ", warp " + warp + ": sectors");
      }
    }
    // The kernel computes the same rows and pairs: its C expression, evaluated for every u.
    String src = WgmmaGemm.source(GemmPrecision.FP16, 2);
    assertTrue(src.contains("const int r = (((u >> 5) & 15) << 3) | (u & 7),"
        + " k = 2 * (((u >> 9) << 2) | ((u >> 3) & 3));"), "A of 128 rows");
    for (int u = 0; u < 128 * 16; u++) {
      assertEquals(WgmmaGemmSource.row(u, 128), (((u >> 5) & 15) << 3) | (u & 7));
      assertEquals(WgmmaGemmSource.pair(u, 128), ((u >> 9) << 2) | ((u >> 3) & 3));
    }
  }

  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void compilesForHopper(GemmPrecision p) {
    String why = Nvrtc.unavailableReason();
    assumeTrue(why == null, () -> "NVRTC is not available: " + why);
    for (int warpgroups : new int[] {1, 2}) {
      byte[] cubin = new Nvrtc().compile(WgmmaGemm.source(p, warpgroups), "sm_90a",
          WgmmaGemm.kernelName(p, warpgroups));
      assertTrue(cubin.length > 0);
    }
    // With MiniLM's FFN epilogue (erf GELU) stored through, as the tile kernels do.
    GemmEpilogue gelu = GemmKernelsNvrtcTest.GELU;
    String name = WgmmaGemm.kernelName(p, 2, gelu);
    String src = WgmmaGemm.source(p, 2, gelu);
    assertTrue(name.endsWith("_" + gelu.id()) && src.contains(name + "(")
        && src.contains("ember_erf(v0)"), name);
    assertTrue(new Nvrtc().compile(src, "sm_90a", name).length > 0);
    // On 16-bit data: cp.async straight into the core matrices, 64x128, 128x128 and 128x256.
    for (int[] tile : new int[][] {{1, 128}, {2, 128}, {2, 256}}) {
      String data = "ember_gemm_" + p.confName() + "_wgmma_data_" + tile[0] + "_" + tile[1];
      String dataSrc = GemmEpilogue.NONE.function()
          + WgmmaHalfDataSource.source(p, data, tile[0], tile[1]);
      int stages = WgmmaHalfDataSource.stages(tile[0], tile[1]);
      assertTrue(dataSrc.contains(stages + "-stage cp.async"));
      assertTrue(WgmmaHalfDataSource.sharedBytes(tile[0], tile[1], stages,
          WgmmaGemmSource.SLICE_K) <= WgmmaHalfDataSource.sharedBudget(tile[1]), data);
      assertTrue(new Nvrtc().compile(dataSrc, "sm_90a", data).length > 0, data);
    }
    assertEquals(4, WgmmaHalfDataSource.stages(2, 256), "four 24 KB stages of 128x256");
    // By a weight: float32 A into wgmma's registers, the 16-bit B^T copy through cp.async.
    for (int warpgroups : new int[] {1, 2}) {
      String weights = "ember_gemm_" + p.confName() + "_wgmma_weights_" + warpgroups;
      String src2 = GemmEpilogue.NONE.function()
          + WgmmaWeightsSource.source(p, weights, warpgroups, 128);
      assertTrue(src2.contains(WgmmaWeightsSource.stages(warpgroups, 128) + "-stage cp.async"));
      assertTrue(WgmmaWeightsSource.sharedBytes(warpgroups, 128)
          <= WgmmaWeightsSource.SHARED_BUDGET, weights);
      assertTrue(new Nvrtc().compile(src2, "sm_90a", weights).length > 0, weights);
    }
    assertEquals(5, WgmmaWeightsSource.stages(1, 128), "five 18 KB stages of 64x128");
    assertEquals(3, WgmmaWeightsSource.stages(2, 128), "three 28 KB stages of 128x128");
  }

  /**
   * Copies that wgmma reads are fenced into the async proxy by the threads that waited for them,
   * before the barrier after which any warpgroup may issue products on them: a fence after the
   * barrier could come after another warpgroup's wgmma already read the stage.
   */
  @Test
  void copiesAreFencedBeforeTheBarrierThatReleasesTheProducts() {
    java.util.regex.Pattern order = java.util.regex.Pattern.compile(
        "cp\\.async\\.wait_group[^\\n]*\\n[^\\n]*fence\\.proxy\\.async[^\\n]*\\n"
            + "[^\\n]*__syncthreads\\(\\)");
    for (int warpgroups : new int[] {1, 2}) {
      String data = WgmmaHalfDataSource.source(GemmPrecision.FP16, "d", warpgroups, 128);
      String weights = WgmmaWeightsSource.source(GemmPrecision.BF16, "w", warpgroups, 128);
      assertTrue(order.matcher(data).find(), data);
      assertTrue(order.matcher(weights).find(), weights);
    }
  }

  /**
   * Every wgmma kernel keeps its accumulators in registers: no stack frame, no spills, and no
   * wgmma that ptxas serialises because other instructions touch its accumulators (a 256-wide
   * tile with rolled accumulator loops had all three).
   */
  @Test
  void wgmmaKernelsKeepTheirAccumulatorsInRegisters() {
    String why = Nvrtc.unavailableReason();
    assumeTrue(why == null, () -> "NVRTC is not available: " + why);
    GemmPrecision p = GemmPrecision.FP16;
    Map<String, String> sources = new LinkedHashMap<>();
    for (int warpgroups : new int[] {1, 2}) {
      sources.put(WgmmaGemm.kernelName(p, warpgroups), WgmmaGemm.source(p, warpgroups));
    }
    for (int[] tile : new int[][] {{1, 128}, {2, 128}, {2, 256}}) {
      String name = "data_" + tile[0] + "_" + tile[1];
      sources.put(name, GemmEpilogue.NONE.function()
          + WgmmaHalfDataSource.source(p, name, tile[0], tile[1]));
    }
    // The stage sweep's extremes: no product in flight at 3 stages, five slices ahead at 8.
    for (int stages : new int[] {3, 8}) {
      String name = "data_2_256_s" + stages;
      sources.put(name, GemmEpilogue.NONE.function()
          + WgmmaHalfDataSource.source(p, name, 2, 256, stages));
    }
    // Stages 64 deep: four wgmma a slice, each tile at the sweep's deepest pipeline that fits.
    for (int[] tile : new int[][] {{1, 128, 8}, {2, 128, 7}, {2, 256, 4}}) {
      String name = "data_" + tile[0] + "_" + tile[1] + "_k64s" + tile[2];
      sources.put(name, GemmEpilogue.NONE.function()
          + WgmmaHalfDataSource.source(p, name, tile[0], tile[1], tile[2], 64));
    }
    // Warp-specialised: the producer warpgroup shares the consumers' register budget, which
    // two 256-wide consumers take most of (setmaxnreg).
    for (int[] tile : new int[][] {{1, 128, 6}, {2, 128, 6}, {2, 256, 4}}) {
      String name = "specialised_" + tile[0] + "_" + tile[1];
      sources.put(name, GemmEpilogue.NONE.function()
          + WgmmaHalfDataSource.specialisedSource(p, name, tile[0], tile[1], tile[2]));
    }
    for (int warpgroups : new int[] {1, 2}) {
      String name = "weights_" + warpgroups;
      sources.put(name, GemmEpilogue.NONE.function()
          + WgmmaWeightsSource.source(p, name, warpgroups, 128));
    }
    sources.forEach((name, source) -> {
      List<String> bad = KernelResourcesNvrtcTest.problems(name, source, "sm_90a");
      assertTrue(bad.isEmpty(), String.join("\n", bad));
    });
  }
}
