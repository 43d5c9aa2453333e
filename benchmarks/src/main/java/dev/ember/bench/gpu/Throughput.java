package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sentences/s and real tokens/s of the level-3 wrapper on the device over the whole pre-tokenized
 * corpus, per GEMM precision, with CUDA graphs (one per captured size, replayed) and without
 * (the same kernels launched one by one), for three batchings: length-sorted batches of 32 and
 * of 64 (cut where the sequence bucket changes, as the embedder does) and corpus order in
 * batches of 64. Each measurement follows one untimed pass, which compiles or loads the variants
 * and captures their graphs; the first configuration compiles its variants on several threads.
 * Timed passes include building the input tensors, the copies and the pooling on the host.
 */
final class Throughput {
  static final int TIMED_PASSES = 2;

  private Throughput() {}

  static List<Map<String, Object>> run(CudaDevice device, Graph graph, List<long[]> ids,
      InMemoryVariantStore store, Results r, Runnable save) throws Exception {
    String output = Embed.hiddenOutput(graph);
    List<Map<String, Object>> rows = new ArrayList<>();
    boolean first = true;
    for (GemmPrecision p : List.of(GemmPrecision.TF32, GemmPrecision.FP16, GemmPrecision.BF16,
        GemmPrecision.FP32)) {
      for (boolean graphs : new boolean[] {true, false}) {
        CudaBackend cuda = new CudaBackend(device, GpuCheck.options(p, graphs));
        CompileWrapper w = GpuCheck.wrapper(graph, cuda, store);
        Map<String, List<int[]>> plans = new LinkedHashMap<>();
        plans.put("length-sorted x32", Embed.lengthSorted(ids, 32, w::seqBucket));
        plans.put("length-sorted x64", Embed.lengthSorted(ids, 64, w::seqBucket));
        plans.put("corpus order x64", Embed.corpusOrder(ids.size(), 64));
        if (first) {
          long t0 = System.nanoTime();
          compileInParallel(w, ids, plans.values());
          r.progress(String.format("compiled %d variants in %.1f s", store.misses(),
              (System.nanoTime() - t0) / 1e9));
          first = false;
        }
        for (Map.Entry<String, List<int[]>> e : plans.entrySet()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("precision", p.confName());
          row.put("graphs", graphs);
          row.put("batching", e.getKey());
          row.put("backend", cuda.name());
          try {
            measure(w, output, ids, e.getValue(), row);
          } catch (RuntimeException ex) {
            row.put("error", String.valueOf(ex));
          }
          rows.add(row);
          r.progress("throughput " + row);
        }
        save.run();
      }
    }
    return rows;
  }

  private static void measure(CompileWrapper w, String output, List<long[]> ids,
      List<int[]> plan, Map<String, Object> row) {
    Embed.run(w::call, output, ids, plan); // untimed: compile, load, capture
    double best = Double.MAX_VALUE;
    for (int i = 0; i < TIMED_PASSES; i++) {
      long t0 = System.nanoTime();
      Embed.run(w::call, output, ids, plan);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    int sentences = 0;
    long padded = 0;
    for (int[] rows : plan) {
      sentences += rows.length;
      int seq = 0;
      for (int rr : rows) {
        seq = Math.max(seq, ids.get(rr).length);
      }
      padded += w.paddedTokens(rows.length, seq);
    }
    long tokens = Embed.tokens(ids, plan);
    row.put("sentences", sentences);
    row.put("batches", plan.size());
    row.put("realTokens", tokens);
    row.put("paddedTokens", padded);
    row.put("bestSeconds", best);
    row.put("sentencesPerSecond", sentences / best);
    row.put("realTokensPerSecond", tokens / best);
  }

  /** One batch of every distinct (rows, bucket) pair, run on 8 threads so NVRTC runs in parallel. */
  private static void compileInParallel(CompileWrapper w, List<long[]> ids,
      Iterable<List<int[]>> plans) throws Exception {
    Map<String, int[]> distinct = new LinkedHashMap<>();
    for (List<int[]> plan : plans) {
      for (int[] rows : plan) {
        int seq = 0;
        for (int rr : rows) {
          seq = Math.max(seq, ids.get(rr).length);
        }
        distinct.putIfAbsent(rows.length + "x" + w.seqBucket(seq), rows);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Map<String, Tensor>>> done = new ArrayList<>();
      for (int[] rows : distinct.values()) {
        done.add(pool.submit(() -> w.call(Embed.feeds(ids, rows))));
      }
      for (Future<Map<String, Tensor>> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
