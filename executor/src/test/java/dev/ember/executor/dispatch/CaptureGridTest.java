package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureGridTest {
  private final CaptureGrid grid = new CaptureGrid(List.of(1, 8, 32), List.of(4, 8), true, true);

  @Test
  void indicesRunSeqFastest() {
    assertEquals(6, grid.size());
    assertEquals(3, grid.index(1, 1));
    assertEquals(8, grid.batchAt(3));
    assertEquals(8, grid.seqAt(3));
    assertEquals(0, grid.seqIndex(1));
    assertEquals(1, grid.seqIndex(5));
    assertEquals(-1, grid.seqIndex(9));
    assertEquals(2, grid.batchIndex(9));
    assertEquals(-1, grid.batchIndex(33));
  }

  @Test
  void cutsFillLargestThenCutTheRestWhereItCostsLeast() {
    assertArrayEquals(new int[] {1}, grid.cut(1));
    assertArrayEquals(new int[] {1, 1}, grid.cut(2)); // 2 -> 8 would be 4x the work
    assertArrayEquals(new int[] {5}, grid.cut(5)); // 5 -> 8 is cheaper than five calls
    assertArrayEquals(new int[] {8, 5}, grid.cut(13)); // 13 -> 32 would be 2.5x
    assertArrayEquals(new int[] {32, 32, 6}, grid.cut(70));
    assertArrayEquals(new int[] {32}, grid.cut(32));
    for (int n = 1; n <= 200; n++) {
      int[] cuts = grid.cut(n);
      assertEquals(n, Arrays.stream(cuts).sum(), "rows " + n);
      for (int c : cuts) {
        assertEquals(true, c <= 32, "chunk " + c + " of " + n);
      }
    }
  }

  /** cutCost is the cost of cut's own chunks: padded rows plus the cost per chunk. */
  @Test
  void cutCostIsTheCostOfTheChunksCutRuns() {
    CaptureGrid p2 = new CaptureGrid(CompileOptions.DEFAULT_CAPTURE_SIZES, List.of(8), true, true);
    for (CaptureGrid g : List.of(grid, p2)) {
      for (int n = 1; n <= 200; n++) {
        double cost = 0;
        for (int c : g.cut(n)) {
          cost += g.batchAt(g.index(g.batchIndex(c), 0)) + CaptureGrid.CHUNK_COST_ROWS;
        }
        assertEquals(cost, g.cutCost(n), 1e-9, "rows " + n);
      }
    }
    assertEquals(3 * (64 + CaptureGrid.CHUNK_COST_ROWS), p2.cutCost(192), 1e-9);
  }

  /** With the default powers of two, a remainder pads at most to the next chunk's worth. */
  @Test
  void powersOfTwoSplitWhereOneChunkWouldPadMost() {
    CaptureGrid p2 = new CaptureGrid(CompileOptions.DEFAULT_CAPTURE_SIZES, List.of(8), true, true);
    assertArrayEquals(new int[] {8, 1}, p2.cut(9)); // not 9 padded to 16
    assertArrayEquals(new int[] {15}, p2.cut(15)); // 16 rows in one call beat 8 + 4 + 2 + 1
    assertArrayEquals(new int[] {16, 4}, p2.cut(20)); // not 20 padded to 32
    assertArrayEquals(new int[] {64, 32, 1}, p2.cut(97)); // 33 -> 64 costs 65, 32 + 1 costs 35
    for (int n = 1; n <= 64; n++) {
      int padded = 0;
      for (int c : p2.cut(n)) {
        padded += Integer.highestOneBit(c) == c ? c : Integer.highestOneBit(c) * 2;
      }
      assertEquals(true, padded <= n + n / 4 + 1, "rows " + n + " ran as " + padded);
    }
  }

  @Test
  void missingDimsCollapseToOneEntry() {
    CaptureGrid rowsOnly = new CaptureGrid(List.of(1, 8), List.of(4, 8), true, false);
    assertEquals(2, rowsOnly.size());
    assertEquals(0, rowsOnly.seqIndex(0));
    CaptureGrid none = new CaptureGrid(List.of(1, 8), List.of(4, 8), false, false);
    assertEquals(1, none.size());
  }
}
