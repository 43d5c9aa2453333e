package dev.ember.bench;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Model inputs of an exact captured shape, for running one variant on its own. */
final class SyntheticBatch {
  private static final long CLS = 101;
  private static final long SEP = 102;
  private static final long THE = 1996; // "the" in BERT's uncased vocabulary

  private SyntheticBatch() {}

  /** {@code batch} rows of {@code seq} real tokens, [CLS] the the ... [SEP], for {@code g}. */
  static Map<String, Tensor> feeds(Graph g, int batch, int seq) {
    long[] ids = new long[batch * seq];
    long[] ones = new long[batch * seq];
    Arrays.fill(ids, THE);
    Arrays.fill(ones, 1);
    for (int r = 0; r < batch; r++) {
      ids[r * seq] = CLS;
      ids[r * seq + seq - 1] = SEP;
    }
    int[] shape = {batch, seq};
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (ValueInfo in : g.inputs()) {
      long[] data =
          switch (in.name()) {
            case "input_ids" -> ids;
            case "attention_mask" -> ones;
            default -> new long[batch * seq];
          };
      m.put(in.name(), Tensor.ofLongs(in.type().dtype(), shape, data));
    }
    return m;
  }
}
