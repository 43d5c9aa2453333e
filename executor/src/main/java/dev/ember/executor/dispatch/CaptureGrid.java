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

  CaptureGrid(
      List<Integer> captureSizes, List<Integer> seqBuckets, boolean hasBatch, boolean hasSeq) {
    this.batches = hasBatch ? toArray(captureSizes) : new int[] {0};
    this.seqs = hasSeq ? toArray(seqBuckets) : new int[] {0};
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
   * How a call of {@code rows} rows is cut: full chunks of the largest capture size, then the rest
   * padded up to the next capture size, unless that more than doubles it, in which case the largest
   * size that fits is taken and the rest cut again (with [1, 8, 32], 13 rows run as 8 + 5 padded to
   * 8, not 13 padded to 32).
   */
  int[] cut(int rows) {
    List<Integer> chunks = new ArrayList<>();
    int max = largestBatch();
    int left = rows;
    while (left >= max) {
      chunks.add(max);
      left -= max;
    }
    while (left > 0) {
      int up = batches[ceilIndex(batches, left)];
      int floor = floorIndex(batches, left);
      if (up <= 2 * left || floor < 0) {
        chunks.add(left);
        break;
      }
      chunks.add(batches[floor]);
      left -= batches[floor];
    }
    return chunks.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int ceilIndex(int[] sizes, int n) {
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] >= n) {
        return i;
      }
    }
    return -1;
  }

  private static int floorIndex(int[] sizes, int n) {
    for (int i = sizes.length - 1; i >= 0; i--) {
      if (sizes[i] <= n) {
        return i;
      }
    }
    return -1;
  }

  private static int[] toArray(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
