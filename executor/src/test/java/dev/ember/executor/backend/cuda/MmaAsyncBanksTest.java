package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pipelined GEMM's shared-memory fragment reads are free of bank conflicts: for every
 * precision and pipelined tile, the addresses each lane of a warp reads (from the PTX fragment
 * layout, {@link MmaLayout}, over rows padded by {@link MmaAsyncGemmSource#aPad} and {@link
 * MmaAsyncGemmSource#bPad}) are grouped as the hardware serves them, 32 lanes per 4-byte read and
 * 16 per 8-byte read, and no two distinct addresses of a group may share one of 32 banks.
 */
class MmaAsyncBanksTest {
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"TF32", "FP16", "BF16"})
  void fragmentReadsHitDistinctBanks(GemmPrecision p) {
    MmaLayout l = MmaLayout.of(p);
    int pw = l.perWord();
    for (MmaTile t : MmaTile.values()) {
      if (t.stages() == 0) {
        continue;
      }
      int aRow = t.k() + MmaAsyncGemmSource.aPad(pw);
      int bRow = t.size() + MmaAsyncGemmSource.bPad(pw);
      for (int reg = 0; reg < MmaLayout.A_REGS; reg++) {
        int[] words = new int[32];
        for (int lane = 0; lane < 32; lane++) {
          int i = reg * pw; // a pair's first element: the pair is one 8-byte read
          words[lane] = l.aRow(lane, i) * aRow + l.aCol(lane, i);
        }
        assertEquals(1, ways(words, pw), p + " " + t + " A register " + reg);
      }
      for (int reg = 0; reg < MmaLayout.B_REGS; reg++) {
        for (int j = 0; j < pw; j++) { // B's elements are read one float at a time
          int[] words = new int[32];
          for (int lane = 0; lane < 32; lane++) {
            int i = reg * pw + j;
            words[lane] = l.bRow(lane, i) * bRow + l.bCol(lane, i);
          }
          assertEquals(1, ways(words, 1), p + " " + t + " B register " + reg + "." + j);
        }
      }
    }
  }

  /**
   * Operands read as 16-bit copies ({@link HalfOperands}) by ldmatrix.x4, rows {@code k / 2 +
   * HALF_PAD} words long (stages of both operands in halves twice as deep: {@link
   * MmaAsyncGemmSource#sliceK}): each of its four matrices is one request of 8 rows of 16 bytes,
   * whose 32 words must meet 32 banks ({@link #assertLdmatrixReadsHitDistinctBanks}).
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void halfReadsHitDistinctBanks(GemmPrecision p) {
    MmaLayout l = MmaLayout.of(p);
    for (MmaTile t : MmaTile.values()) {
      if (t.stages() == 0) {
        continue;
      }
      for (HalfOperands h : List.of(HalfOperands.B, HalfOperands.A_AND_B)) {
        int tk = MmaAsyncGemmSource.sliceK(t, h);
        assertLdmatrixReadsHitDistinctBanks(p + " " + t + " k" + tk, l, tk / 2,
            tk / 2 + MmaAsyncGemmSource.HALF_PAD);
      }
    }
  }

  /**
   * The register-loaded tiles ({@link MmaGemmSource}) stage both operands as mma words, [row][k
   * word] in rows of K words + 4, and read them by ldmatrix.x4 at every precision (a tf32 word
   * moved as a pair of b16): each matrix must meet 32 banks.
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"TF32", "FP16", "BF16"})
  void registerLoadedTilesServeEachLdmatrixMatrixFromDistinctBanks(GemmPrecision p) {
    MmaLayout l = MmaLayout.of(p);
    for (MmaTile t : MmaTile.values()) {
      if (t.stages() == 0) {
        int words = t.k() / l.perWord();
        assertLdmatrixReadsHitDistinctBanks(p + " " + t, l, words, words + 4);
      }
    }
  }

  /**
   * Each ldmatrix.x4 matrix of a fragment read (A's matrix j: rows {@code aRegRow(j)} on, words
   * {@code aRegWord(j)} on; B^T's: rows of column tile ni or ni + 1, words 0 or 4 on) from a
   * tile of {@code words} K words a row, rows {@code row} words apart: 8 rows of 16 bytes whose
   * 32 words must meet 32 banks, each row on 16 bytes.
   */
  private static void assertLdmatrixReadsHitDistinctBanks(String what, MmaLayout l, int words,
      int row) {
    int step = l.k() / l.perWord(); // K words per mma
    for (int kw = 0; kw < words; kw += step) {
      for (int j = 0; j < 4; j++) {
        int[] a = new int[32];
        int[] b = new int[32];
        for (int r = 0; r < 8; r++) {
          for (int w = 0; w < 4; w++) {
            a[4 * r + w] = (l.aRegRow(j) + r) * row + kw + l.aRegWord(j) + w;
            b[4 * r + w] = ((j >> 1) * MmaLayout.N + r) * row + kw + l.bRegWord(j & 1) + w;
          }
        }
        assertEquals(1, ways(a, 1), what + " A matrix " + j + " at word " + kw);
        assertEquals(1, ways(b, 1), what + " B matrix " + j + " at word " + kw);
      }
    }
    assertEquals(0, row * 4 % 16, what + ": rows must start on 16 bytes (copies, ldmatrix)");
  }

  /**
   * The most distinct addresses one bank serves in one request: 32 lanes per request for
   * {@code width} 1 (4-byte reads), 16 for width 2 (8-byte reads covering two banks).
   */
  static int ways(int[] words, int width) {
    int lanes = width == 1 ? 32 : 16;
    int worst = 0;
    for (int first = 0; first < 32; first += lanes) {
      Map<Integer, java.util.Set<Integer>> byBank = new HashMap<>();
      for (int lane = first; lane < first + lanes; lane++) {
        for (int w = 0; w < width; w++) {
          byBank.computeIfAbsent((words[lane] + w) % 32, b -> new java.util.HashSet<>())
              .add(words[lane] + w);
        }
      }
      for (java.util.Set<Integer> addresses : byBank.values()) {
        worst = Math.max(worst, addresses.size());
      }
    }
    return worst;
  }
}
