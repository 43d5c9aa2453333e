package dev.ember.bench.gpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.text.PooledGraph;
import dev.ember.executor.text.Pooling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/**
 * Sentence embeddings from token ids, the way {@code SentenceEmbedder} makes them from text:
 * rows padded to the batch's longest, {@code input_ids}, {@code attention_mask} and zero {@code
 * token_type_ids}, the model's {@code last_hidden_state} mean-pooled over the mask and
 * L2-normalised: in the graph ({@link #pooled}, one [rows, hidden] copy back per batch) or on the
 * host for a graph without it. Also the batch plans the benchmark times.
 */
final class Embed {
  private Embed() {}

  /** The feeds of rows {@code rows} of {@code ids}, padded to their longest. */
  static Map<String, Tensor> feeds(List<long[]> ids, int[] rows) {
    return feeds(ids, rows, 0);
  }

  /** The feeds of rows {@code rows} of {@code ids}, padded to their longest or {@code minSeq}. */
  static Map<String, Tensor> feeds(List<long[]> ids, int[] rows, int minSeq) {
    int seq = minSeq;
    for (int r : rows) {
      seq = Math.max(seq, ids.get(r).length);
    }
    long[] tok = new long[rows.length * seq];
    long[] mask = new long[rows.length * seq];
    for (int i = 0; i < rows.length; i++) {
      long[] row = ids.get(rows[i]);
      System.arraycopy(row, 0, tok, i * seq, row.length);
      Arrays.fill(mask, i * seq, i * seq + row.length, 1L);
    }
    int[] shape = {rows.length, seq};
    Map<String, Tensor> f = new LinkedHashMap<>();
    f.put("input_ids", Tensor.ofLongs(DType.INT64, shape, tok));
    f.put("attention_mask", Tensor.ofLongs(DType.INT64, shape, mask));
    f.put("token_type_ids", Tensor.ofLongs(DType.INT64, shape, new long[tok.length]));
    return f;
  }

  /** The graph's pooled output, else its token-vector output. */
  static String hiddenOutput(Graph g) {
    for (ValueInfo o : g.outputs()) {
      if (o.name().equals("last_hidden_state") || o.name().equals(PooledGraph.OUTPUT)) {
        return o.name();
      }
    }
    return g.outputs().get(0).name();
  }

  /** {@code g} with pooling in the graph, as {@code SentenceEmbedder.forwardGraph} runs it. */
  static Graph pooled(Graph g) {
    return PooledGraph.of(g, hiddenOutput(g), "attention_mask");
  }

  /**
   * Runs every batch of {@code plan} through {@code forward} and returns one unit vector per row
   * of {@code ids} that the plan covers (null for the others).
   */
  static float[][] run(Function<Map<String, Tensor>, Map<String, Tensor>> forward,
      String output, List<long[]> ids, List<int[]> plan) {
    float[][] out = new float[ids.size()][];
    for (int[] rows : plan) {
      Map<String, Tensor> f = feeds(ids, rows);
      Tensor result = forward.apply(f).get(output);
      float[][] v = output.equals(PooledGraph.OUTPUT) ? PooledGraph.vectors(result)
          : Pooling.meanPoolNormalized(result, f.get("attention_mask"));
      for (int i = 0; i < rows.length; i++) {
        out[rows[i]] = v[i];
      }
    }
    return out;
  }

  /** Rows {@code 0..n-1} in order, {@code size} per batch. */
  static List<int[]> corpusOrder(int n, int size) {
    List<int[]> plan = new ArrayList<>();
    for (int from = 0; from < n; from += size) {
      int to = Math.min(n, from + size);
      int[] rows = new int[to - from];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = from + i;
      }
      plan.add(rows);
    }
    return plan;
  }

  /**
   * All rows shortest first (stable), {@code size} per batch, a batch also cut where {@code
   * bucket} of the length changes: a plan the torch reference runs too, so both engines run the
   * same batches (the CPU embedder cuts by cost instead, with the CPU's cost per call).
   */
  static List<int[]> lengthSorted(List<long[]> ids, int size, IntUnaryOperator bucket) {
    Integer[] order = new Integer[ids.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> ids.get(i).length));
    List<int[]> plan = new ArrayList<>();
    for (int from = 0; from < order.length; ) {
      int b = bucket.applyAsInt(ids.get(order[from]).length);
      int to = from + 1;
      while (to < order.length && to - from < size
          && bucket.applyAsInt(ids.get(order[to]).length) == b) {
        to++;
      }
      int[] rows = new int[to - from];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = order[from + i];
      }
      plan.add(rows);
      from = to;
    }
    return plan;
  }

  /**
   * {@code n} rows of at most {@code maxLen} tokens, in corpus order, starting over when there are
   * fewer: rows that fill a variant of {@code n} x {@code maxLen} with real sentences.
   */
  static int[] rowsUpTo(List<long[]> ids, int n, int maxLen) {
    List<Integer> fit = new ArrayList<>();
    for (int i = 0; i < ids.size() && fit.size() < n; i++) {
      if (ids.get(i).length <= maxLen) {
        fit.add(i);
      }
    }
    if (fit.isEmpty()) {
      throw new IllegalArgumentException("no sentence of at most " + maxLen + " tokens");
    }
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) {
      rows[i] = fit.get(i % fit.size());
    }
    return rows;
  }

  /** Real (unpadded) tokens of the rows a plan covers. */
  static long tokens(List<long[]> ids, List<int[]> plan) {
    long n = 0;
    for (int[] rows : plan) {
      for (int r : rows) {
        n += ids.get(r).length;
      }
    }
    return n;
  }
}
