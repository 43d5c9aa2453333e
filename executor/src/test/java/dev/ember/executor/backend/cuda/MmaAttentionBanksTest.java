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
   * The 16-bit V^T tile is staged a warp at a time as 8 head dims by 4 key pairs ({@link
   * MmaAttentionSource#vDim}, {@link MmaAttentionSource#vPair}): every word once, each warp's 32
   * stores on 32 banks (32 head dims of one key pair, as before, hit 8).
   */
  @Test
  void sixteenBitVTransposeStoresHitDistinctBanks() {
    for (int d = 16; d <= CudaBackend.MAX_FUSED_HEAD_DIM; d += 16) {
      for (int keys : new int[] {16, 32}) {
        int stride = MmaAttentionSource.vStride(false, keys);
        int words = keys / 2 * d;
        boolean[] seen = new boolean[words];
        for (int warp = 0; warp < words / 32; warp++) {
          int[] stored = new int[32];
          for (int lane = 0; lane < 32; lane++) {
            int u = warp * 32 + lane;
            int e = MmaAttentionSource.vDim(u, d);
            int w = MmaAttentionSource.vPair(u, d);
            assertTrue(e < d && w < keys / 2 && !seen[e * keys / 2 + w], "d " + d + " u " + u);
            seen[e * keys / 2 + w] = true;
            stored[lane] = e * stride + w;
          }
          assertEquals(1, MmaAsyncBanksTest.ways(stored, 1), "d " + d + ", keys " + keys
              + ", warp " + warp);
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
