package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The tensor-core attention kernel's K and V^T tiles ({@link MmaAttentionSource#kStride}, {@link
 * MmaAttentionSource#vStride}) are read without bank conflicts for every head width the kernel
 * takes: at fp16 and bf16 each ldmatrix matrix (16 bytes of 8 rows) meets 32 banks, its rows on
 * 16 bytes; at tf32 (and fp32's floats) each half-warp's word pairs (row g, words 2t and 2t + 1)
 * do.
 */
class MmaAttentionBanksTest {
  @Test
  void sixteenBitTilesServeEachLdmatrixMatrixFromDistinctBanks() {
    for (int d = 16; d <= CudaBackend.MAX_FUSED_HEAD_DIM; d += 16) {
      assertMatricesHitDistinctBanks(MmaAttentionSource.kStride(false, d), d / 2, "K, d " + d);
    }
    for (int keys : new int[] {16, 32}) {
      assertMatricesHitDistinctBanks(MmaAttentionSource.vStride(false, keys), keys / 2,
          "V^T, key tile " + keys);
    }
  }

  /**
   * The V^T tile is staged a warp at a time as 8 head dims by 4 columns ({@link
   * MmaAttentionSource#vDim}, {@link MmaAttentionSource#vColumn}): every word once, each warp's
   * 32 stores on 32 banks at 16 bits and two ways at tf32, whose rows are 8 mod 16 words apart for
   * its reads (32 head dims of one column hit 8 banks at 16 bits, 4 at tf32).
   */
  @Test
  void vTransposeStoresSpreadOverTheBanks() {
    for (boolean tf32 : new boolean[] {false, true}) {
      for (int d = tf32 ? 8 : 16; d <= CudaBackend.MAX_FUSED_HEAD_DIM; d += tf32 ? 8 : 16) {
        for (int keys : new int[] {16, 32}) {
          int stride = MmaAttentionSource.vStride(tf32, keys);
          int columns = tf32 ? keys : keys / 2;
          boolean[] seen = new boolean[columns * d];
          for (int warp = 0; warp < columns * d / 32; warp++) {
            int[] stored = new int[32];
            for (int lane = 0; lane < 32; lane++) {
              int u = warp * 32 + lane;
              int e = MmaAttentionSource.vDim(u, d);
              int c = MmaAttentionSource.vColumn(u, d);
              String at = (tf32 ? "tf32" : "16-bit") + ", d " + d + ", u " + u;
              assertTrue(e < d && c < columns && !seen[e * columns + c], at);
              seen[e * columns + c] = true;
              stored[lane] = e * stride + c;
            }
            assertEquals(tf32 ? 2 : 1, MmaAsyncBanksTest.ways(stored, 1), (tf32 ? "tf32" : "16")
                + ", d " + d + ", keys " + keys + ", warp " + warp);
          }
        }
      }
    }
  }

  @Test
  void tf32TilesServeEachHalfWarpsPairsFromDistinctBanks() {
    for (int d = 8; d <= CudaBackend.MAX_FUSED_HEAD_DIM; d += 8) {
      assertPairsHitDistinctBanks(MmaAttentionSource.kStride(true, d), d, "K, d " + d);
    }
    for (int keys : new int[] {16, 32}) {
      assertPairsHitDistinctBanks(MmaAttentionSource.vStride(true, keys), keys,
          "V^T, key tile " + keys);
    }
  }

  /** Matrix m of a fragment read at word {@code k0}: rows 0 to 7, words k0 + 4m to k0 + 4m + 3. */
  private static void assertMatricesHitDistinctBanks(int stride, int words, String what) {
    assertEquals(0, stride % 4, what + ": rows must start on 16 bytes");
    for (int k0 = 0; k0 < words; k0 += 8) {
      for (int m = 0; m < 2; m++) {
        int[] read = new int[32];
        for (int r = 0; r < 8; r++) {
          for (int w = 0; w < 4; w++) {
            read[4 * r + w] = r * stride + k0 + 4 * m + w;
          }
        }
        assertEquals(1, MmaAsyncBanksTest.ways(read, 1), what + " word " + k0 + " matrix " + m);
      }
    }
  }

  /** Lane (g, t) reads the pair at row g, words k0 + 2t and k0 + 2t + 1 (and k0 + 8 on). */
  private static void assertPairsHitDistinctBanks(int stride, int words, String what) {
    for (int k0 = 0; k0 < words; k0 += 8) {
      int[] read = new int[32];
      for (int lane = 0; lane < 32; lane++) {
        read[lane] = (lane >> 2) * stride + k0 + 2 * (lane & 3);
      }
      assertEquals(1, MmaAsyncBanksTest.ways(read, 2), what + " word " + k0);
    }
  }
}
