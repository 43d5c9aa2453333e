package dev.ember.bench.gpu;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaProfile;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sentences/s and real tokens/s of the level-3 wrapper on the device over the whole pre-tokenized
 * corpus, per GEMM precision with CUDA graphs (one per captured size, replayed), and for FP16
 * also without (the same kernels launched one by one; the other precisions skip it to save
 * device time), for the batchings of {@link CheckSize#batches} (on a device: length-sorted
 * batches of 32 and of 64, cut where the sequence bucket changes, the plan the torch reference
 * also runs, and corpus order in batches of 64). Each measurement follows one untimed pass,
 * which compiles or loads the variants and captures their graphs; each configuration first
 * compiles its variants on several threads. Timed passes include building the input tensors,
 * the copies and the pooling on the host.
 *
 * <p>Each row also splits its best pass: {@code deviceSecondsPerPass} sums, over the variants
 * the untimed pass dispatched to, dispatches times {@link CudaProfile#secondsPerPass} (each
 * variant measured once, over {@link CheckSize#profilePasses} replays); {@code
 * hostSecondsPerPass} is the rest. Without graphs a variant's pass is launch by launch, so its
 * launch cost counts as device.
 */
final class Throughput {
  private Throughput() {}

  static List<Map<String, Object>> run(CudaDevice device, CheckSize size, Graph graph,
      List<long[]> ids, InMemoryVariantStore store, Results r) throws Exception {
    String output = Embed.hiddenOutput(graph);
    List<Map<String, Object>> rows = new ArrayList<>();
    r.put("throughput", rows); // saved after each configuration, so a timeout keeps those done
    for (GemmPrecision p : List.of(GemmPrecision.TF32, GemmPrecision.FP16, GemmPrecision.BF16,
        GemmPrecision.FP32)) {
      for (boolean graphs : p == GemmPrecision.FP16 ? new boolean[] {true, false}
          : new boolean[] {true}) {
        CudaBackend cuda = new CudaBackend(device, size.options(p, graphs));
        CompileWrapper w = size.wrapper(graph, cuda, store);
        Map<CompiledVariant, Double> perPass = new IdentityHashMap<>();
        Map<String, List<int[]>> plans = new LinkedHashMap<>();
        for (int b : size.batches()) {
          plans.put("length-sorted x" + b, Embed.lengthSorted(ids, b, w::seqBucket));
        }
        int largest = size.batches().get(size.batches().size() - 1);
        plans.put("corpus order x" + largest, Embed.corpusOrder(ids.size(), largest));
        // Every configuration makes its variants at once (NVRTC is single-threaded; a device
        // machine has 16 cores): a MiniLM program takes about 1 s of NVRTC.
        long t0 = System.nanoTime();
        long compiled = store.misses();
        long loaded = store.hits();
        compileInParallel(w, ids, plans.values());
        r.progress(String.format("%s%s: %d variants compiled, %d loaded in %.1f s",
            p.confName(), graphs ? "" : " (no graphs)", store.misses() - compiled,
            store.hits() - loaded, (System.nanoTime() - t0) / 1e9));
        for (Map.Entry<String, List<int[]>> e : plans.entrySet()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("precision", p.confName());
          row.put("graphs", graphs);
          row.put("batching", e.getKey());
          row.put("backend", cuda.name());
          try {
            measure(w, size, output, ids, e.getValue(), row, perPass);
          } catch (RuntimeException ex) {
            row.put("error", String.valueOf(ex));
          }
          rows.add(row);
          r.progress("throughput " + row);
        }
        r.save();
      }
    }
    return rows;
  }

  // Best of five on a device: one pass is 0.1-0.4 s, and two varied by up to a fifth between runs.
  private static void measure(CompileWrapper w, CheckSize size, String output, List<long[]> ids,
      List<int[]> plan, Map<String, Object> row, Map<CompiledVariant, Double> perPass) {
    WrapperStats before = w.stats();
    Embed.run(w::call, output, ids, plan); // untimed: compile, load, capture
    WrapperStats after = w.stats();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < size.timedPasses(); i++) {
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
    double device;
    try {
      device = deviceSeconds(w, ids, before, after, perPass, row, size.profilePasses());
    } catch (RuntimeException e) { // keep the throughput measured above
      row.put("deviceError", String.valueOf(e));
      device = Double.NaN;
    }
    row.put("deviceSecondsPerPass", device);
    row.put("hostSecondsPerPass", best - device);
  }

  /**
   * Device seconds of the dispatches between two stats snapshots: per variant, dispatches times
   * its measured seconds per pass (cached). Variants the hooks cannot time (an interpreter
   * fallback, a general variant without static shapes) are counted in {@code unprofiled}.
   */
  private static double deviceSeconds(CompileWrapper w, List<long[]> ids, WrapperStats before,
      WrapperStats after, Map<CompiledVariant, Double> perPass, Map<String, Object> row,
      int replays) {
    double total = 0;
    long unprofiled = 0;
    for (WrapperStats.VariantStats vs : after.variants()) {
      long n = vs.dispatches() - (vs.index() < before.variants().size()
          ? before.variants().get(vs.index()).dispatches() : 0);
      if (n == 0) {
        continue;
      }
      CompiledVariant v = w.variant(vs.index());
      List<Long> shape = v.key().inputShapes().get("input_ids");
      if (!CudaProfile.supports(v) || shape == null || shape.size() != 2 || shape.get(0) < 1
          || shape.get(1) < 1) {
        unprofiled += n;
        continue;
      }
      double s = perPass.computeIfAbsent(v, k -> CudaProfile.secondsPerPass(k, Embed.feeds(ids,
          Embed.rowsUpTo(ids, shape.get(0).intValue(), shape.get(1).intValue()),
          shape.get(1).intValue()), replays));
      total += n * s;
    }
    row.put("unprofiledDispatches", unprofiled);
    return total;
  }

  /**
   * One batch of every distinct (rows, bucket) pair, run on 8 threads so NVRTC runs in parallel.
   */
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
