package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replays, on the CPU, what one warp of the tensor-core GEMM does: pack shared-memory words as
 * the kernel does, gather each lane's fragment registers with {@link MmaLayout}'s kernel-view
 * offsets, run a model of {@code mma.sync} written separately from the PTX ISA tables, scatter the
 * accumulators, and compare with a plain matrix product. A wrong fragment index or packing order
 * changes the result.
 */
class GemmMmaLayoutTest {
  private static final int WARP_M = 64;
  private static final int WARP_N = 32;
  private static final int TILE_K = MmaGemmSource.TILE_K;

  @ParameterizedTest
  @EnumSource(MmaLayout.class)
  void warpTileMatchesMatmul(MmaLayout l) {
    float[][] a = randomInts(WARP_M, TILE_K, 1);
    float[][] b = randomInts(TILE_K, WARP_N, 2);
    assertArrayEquals(flat(matmul(a, b)), flat(warpTile(l, a, b, false)));
  }

  @ParameterizedTest
  @EnumSource(MmaLayout.class)
  void fragmentsCoverEachElementOnce(MmaLayout l) {
    int[][] a = new int[MmaLayout.M][l.k()];
    int[][] b = new int[l.k()][MmaLayout.N];
    int[][] c = new int[MmaLayout.M][MmaLayout.N];
    for (int lane = 0; lane < 32; lane++) {
      for (int i = 0; i < l.aElems(); i++) {
        a[l.aRow(lane, i)][l.aCol(lane, i)]++;
      }
      for (int i = 0; i < l.bElems(); i++) {
        b[l.bRow(lane, i)][l.bCol(lane, i)]++;
      }
      for (int i = 0; i < MmaLayout.C_ELEMS; i++) {
        c[l.cRow(lane, i)][l.cCol(lane, i)]++;
      }
    }
    for (int[][] m : new int[][][] {a, b, c}) {
      for (int[] row : m) {
        assertArrayEquals(filled(row.length, 1), row);
      }
    }
  }

  /**
   * The check has teeth: packing A's pairs high-first gives a different product. (Swapping both
   * A and B would only permute K, so one packing helper for both operands is safe either way.)
   */
  @Test
  void swappedPackingIsCaught() {
    float[][] a = randomInts(WARP_M, TILE_K, 3);
    float[][] b = randomInts(TILE_K, WARP_N, 4);
    float[][] want = matmul(a, b);
    float[][] got = warpTile(MmaLayout.M16N8K16_16BIT, a, b, true);
    assertFalse(Arrays.equals(flat(want), flat(got)));
  }

  @Test
  void layoutsMatchThePtxIsaForLaneFive() {
    // Lane 5: groupID 1, threadID_in_group 1.
    MmaLayout tf32 = MmaLayout.M16N8K8_TF32;
    assertArrayEquals(new int[] {1, 9, 1, 9}, rows(tf32, 5));
    assertEquals(5, tf32.aCol(5, 2));
    assertEquals(5, tf32.bRow(5, 1));
    MmaLayout h = MmaLayout.M16N8K16_16BIT;
    assertArrayEquals(new int[] {1, 1, 9, 9, 1, 1, 9, 9}, rows(h, 5));
    assertEquals(11, h.aCol(5, 7));
    assertEquals(11, h.bRow(5, 3));
    assertEquals(9, h.cRow(5, 3));
    assertEquals(3, h.cCol(5, 3));
  }

  /**
   * One warp's 64x32 tile over a 32-deep K slice, as MmaGemmSource emits it. {@code swapA} packs
   * A's 16-bit pairs high-first, the bug the test must catch.
   */
  private static float[][] warpTile(MmaLayout l, float[][] a, float[][] b, boolean swapA) {
    int pw = l.perWord();
    int words = TILE_K / pw;
    int[][] as = new int[WARP_M][words];
    int[][] bs = new int[WARP_N][words]; // B transposed, like the kernel's Bs[n][k word]
    for (int w = 0; w < words; w++) {
      for (int m = 0; m < WARP_M; m++) {
        as[m][w] = word(pw, a[m][w * pw], pw == 2 ? a[m][w * pw + 1] : 0, swapA);
      }
      for (int n = 0; n < WARP_N; n++) {
        bs[n][w] = word(pw, b[w * pw][n], pw == 2 ? b[w * pw + 1][n] : 0, false);
      }
    }
    float[][][][] acc = new float[WARP_M / 16][WARP_N / 8][32][MmaLayout.C_ELEMS];
    for (int kw = 0; kw < words; kw += l.k() / pw) {
      for (int mi = 0; mi < WARP_M / 16; mi++) {
        for (int ni = 0; ni < WARP_N / 8; ni++) {
          int[][] af = new int[32][MmaLayout.A_REGS];
          int[][] bf = new int[32][MmaLayout.B_REGS];
          for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2;
            int t = lane & 3;
            for (int r = 0; r < MmaLayout.A_REGS; r++) {
              af[lane][r] = as[mi * 16 + l.aWordRow(g, r)][kw + l.aWordCol(t, r)];
            }
            for (int r = 0; r < MmaLayout.B_REGS; r++) {
              bf[lane][r] = bs[ni * 8 + g][kw + l.bWordRow(t, r)];
            }
          }
          acc[mi][ni] = PtxMma.run(l, af, bf, acc[mi][ni]);
        }
      }
    }
    float[][] c = new float[WARP_M][WARP_N];
    for (int mi = 0; mi < WARP_M / 16; mi++) {
      for (int ni = 0; ni < WARP_N / 8; ni++) {
        for (int lane = 0; lane < 32; lane++) {
          for (int i = 0; i < MmaLayout.C_ELEMS; i++) {
            c[mi * 16 + l.cRowOf(lane >> 2, i)][ni * 8 + l.cColOf(lane & 3, i)] =
                acc[mi][ni][lane][i];
          }
        }
      }
    }
    return c;
  }

  /** A shared-memory word: tf32 bits, or two bfloat16 halves with the even K in the low half. */
  private static int word(int perWord, float even, float odd, boolean swap) {
    if (perWord == 1) {
      return Float.floatToIntBits(even);
    }
    int lo = Float.floatToIntBits(swap ? odd : even) >>> 16;
    int hi = Float.floatToIntBits(swap ? even : odd) >>> 16;
    return hi << 16 | lo;
  }

  private static int[] rows(MmaLayout l, int lane) {
    int[] r = new int[l.aElems()];
    for (int i = 0; i < r.length; i++) {
      r[i] = l.aRow(lane, i);
    }
    return r;
  }

  /** Small integers: exact in bfloat16, fp16 and tf32, and their sums exact in float32. */
  private static float[][] randomInts(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    float[][] x = new float[rows][cols];
    for (float[] row : x) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextInt(15) - 7;
      }
    }
    return x;
  }

  private static float[][] matmul(float[][] a, float[][] b) {
    float[][] c = new float[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        float s = 0;
        for (int p = 0; p < b.length; p++) {
          s += a[i][p] * b[p][j];
        }
        c[i][j] = s;
      }
    }
    return c;
  }

  private static float[] flat(float[][] x) {
    float[] out = new float[x.length * x[0].length];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, out, i * x[0].length, x[0].length);
    }
    return out;
  }

  private static int[] filled(int n, int v) {
    int[] x = new int[n];
    Arrays.fill(x, v);
    return x;
  }
}
