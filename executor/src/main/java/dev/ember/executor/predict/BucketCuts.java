package dev.ember.executor.predict;

import dev.ember.executor.dispatch.CompileWrapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Where rows sorted by length are cut into calls at compile level 3: the cuts with the least cost
 * in tokens, a call costing its rows padded to capture sizes times its longest row's sequence
 * bucket, plus a fixed cost per chunk ({@link CompileWrapper#rowCost}). A call holds at most
 * {@code rowsPerBatch} rows. Cutting at every change of bucket instead ran 20 rows of bucket 24
 * and 12 of bucket 28 as four chunks (16 + 4 at 24, 8 + 4 at 28); by cost they run as 16 at 24
 * and 16 at 28 (four rows of 24 padded to 28): 16 tokens more, two calls instead of four. On the
 * sample corpus (AMD EPYC, 2 cores) that took level 3 from 0.75-0.79x to 0.85-0.88x ONNX Runtime
 * length-sorted, and from 2.44-2.47x to 2.70-2.84x in corpus order.
 */
final class BucketCuts {
  private BucketCuts() {}

  /**
   * The ends of the calls (exclusive, ascending, the last {@code lengths.length}) for rows of
   * {@code lengths}, ascending.
   */
  static int[] ends(int[] lengths, int rowsPerBatch, CompileWrapper wrapper) {
    int n = lengths.length;
    int most = Math.min(rowsPerBatch, Math.max(n, 1));
    double[] rowCost = new double[most + 1];
    for (int r = 1; r <= most; r++) {
      rowCost[r] = wrapper.rowCost(r);
    }
    // best[j]: least cost of the first j rows; from[j]: where the last call of that cut starts.
    double[] best = new double[n + 1];
    int[] from = new int[n + 1];
    for (int j = 1; j <= n; j++) {
      int bucket = wrapper.seqBucket(lengths[j - 1]);
      // Above the largest bucket the general variant runs the call unpadded.
      double seq = bucket < 0 ? lengths[j - 1] : bucket;
      best[j] = Double.MAX_VALUE;
      for (int i = j - 1; i >= Math.max(0, j - most); i--) {
        double cost = best[i] + rowCost[j - i] * seq;
        if (cost < best[j]) { // ties keep the shorter call: its rows pad less
          best[j] = cost;
          from[j] = i;
        }
      }
    }
    List<Integer> ends = new ArrayList<>();
    for (int j = n; j > 0; j = from[j]) {
      ends.add(0, j);
    }
    return ends.stream().mapToInt(Integer::intValue).toArray();
  }
}
