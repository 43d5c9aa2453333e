package dev.ember.executor.dispatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Level 3's static shapes: capture sizes (batch) x sequence buckets, flattened to variant indices
 * {@code batchIndex * seqCount + seqIndex}. A graph with no batch (or seq) dim has one entry of
 * size 0 on that side, so the grid is 1 x n, n x 1 or 1 x 1. Immutable.
 */
final class CaptureGrid {
  private final int[] batches;
  private final int[] seqs;
  /** {@link #cut}'s least cost of r rows below the largest capture size (r = 0 .. max - 1). */
  private final double[] restCost;
  /** The rows of the first chunk of that cut. */
  private final int[] restFirst;

  CaptureGrid(
      List<Integer> captureSizes, List<Integer> seqBuckets, boolean hasBatch, boolean hasSeq) {
    this.batches = hasBatch ? toArray(captureSizes) : new int[] {0};
    this.seqs = hasSeq ? toArray(seqBuckets) : new int[] {0};
    // Solved once for every remainder: cut runs on each call, and BatchRunner weighs rowCost for
    // every call size it considers.
    int max = largestBatch();
    this.restCost = new double[max];
    this.restFirst = new int[max];
    for (int r = 1; r < max; r++) {
      restCost[r] = Double.MAX_VALUE;
      for (int size : batches) {
        int take = Math.min(size, r);
        double cost = size + CHUNK_COST_ROWS + restCost[r - take];
        if (cost <= restCost[r]) { // ties go to the larger chunk
          restCost[r] = cost;
          restFirst[r] = take;
        }
        if (size >= r) {
          break; // a larger size only pads more
        }
      }
    }
  }

  int size() {
    return batches.length * seqs.length;
  }

  int index(int batchIndex, int seqIndex) {
    return batchIndex * seqs.length + seqIndex;
  }

  int batchAt(int index) {
    return batches[index / seqs.length];
  }

  int seqAt(int index) {
    return seqs[index % seqs.length];
  }

  int largestBatch() {
    return batches[batches.length - 1];
  }

  /** The smallest capture size >= {@code rows}, as an index; -1 when above the largest. */
  int batchIndex(int rows) {
    return ceilIndex(batches, rows);
  }

  /** The smallest bucket >= {@code seq}, as an index; -1 when above the largest. */
  int seqIndex(int seq) {
    return ceilIndex(seqs, seq);
  }

  /**
   * What one more chunk costs against a padding row, in rows of work. A padding row costs its
   * full forward pass; a chunk costs a call, which streams every weight once: on MiniLM on the CPU
   * (AMD EPYC, 2 cores) 1.4 to 1.8 ms a call, the work of 0.7 rows of 16 tokens or 0.25 rows of 32.
   */
  static final double CHUNK_COST_ROWS = 1.0;

  /**
   * How a call of {@code rows} rows is cut: full chunks of the largest capture size, then the rest
   * cut into the chunks that cost least, counting each chunk's rows padded up to its capture size
   * plus {@link #CHUNK_COST_ROWS} per chunk (with [1, 2, 4, ..., 64], 9 rows run as 8 + 1, not
   * padded to 16; 15 rows run as 15 padded to 16; with [1, 8, 32], 13 rows run as 8 + 5 padded
   * to 8, not 13 padded to 32).
   */
  int[] cut(int rows) {
    List<Integer> chunks = new ArrayList<>();
    int max = largestBatch();
    int left = rows;
    while (left >= max) {
      chunks.add(max);
      left -= max;
    }
    for (int r = left; r > 0; r -= restFirst[r]) {
      chunks.add(restFirst[r]);
    }
    return chunks.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The cost {@link #cut} minimises for {@code rows} rows, in rows of their bucket: each chunk's
   * capture size plus {@link #CHUNK_COST_ROWS}.
   */
  double cutCost(int rows) {
    int max = largestBatch();
    return rows / max * (max + CHUNK_COST_ROWS) + restCost[rows % max];
  }

  private static int ceilIndex(int[] sizes, int n) {
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] >= n) {
        return i;
      }
    }
    return -1;
  }

  private static int[] toArray(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
