package dev.ember.bench;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SentenceEmbedder;
import dev.ember.executor.text.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Level-3 start time, cold and warm: load the model into a new embedder whose wrapper sits on a
 * {@link CompileCache} and run one batch through each captured variant the measured runs used.
 * Cold starts on an empty cache folder (every variant is compiled with Janino and saved); warm
 * starts a second embedder on the same folder (every variant is loaded from its saved classes, no
 * Janino run, which {@link JaninoCompiler#compilations()} confirms). Both run in the benchmark's
 * JVM, after the other measurements, so class loading and the JIT are already warm for both.
 *
 * @param variants captured (batch, seq) variants each start ran
 * @param coldNanos cold start: load, compile and save every variant, run each once
 * @param coldCompilations Janino runs during the cold start
 * @param warmNanos warm start: load, read every variant from the cache, run each once
 * @param warmCompilations Janino runs during the warm start (0 when the cache works)
 */
record StartTimes(
    int variants, long coldNanos, long coldCompilations, long warmNanos, long warmCompilations) {

  /** Cold over warm. */
  double speedup() {
    return (double) coldNanos / warmNanos;
  }

  /**
   * Measures both starts over the cache folder {@code dir} (which must be empty or absent) for the
   * captured shapes of {@code used} (variants of a level-3 wrapper).
   */
  static StartTimes measure(ModelSpec spec, List<CompiledVariant> used, Path dir) {
    List<int[]> shapes = captureShapes(used);
    long c0 = JaninoCompiler.compilations();
    long cold = start(spec, shapes, dir);
    long c1 = JaninoCompiler.compilations();
    long warm = start(spec, shapes, dir);
    long c2 = JaninoCompiler.compilations();
    return new StartTimes(shapes.size(), cold, c1 - c0, warm, c2 - c1);
  }

  private static long start(ModelSpec spec, List<int[]> shapes, Path dir) {
    long t0 = System.nanoTime();
    CompileOptions options = CompileOptions.level(3);
    CompileWrapper.Builder compiler =
        CompileWrapper.builder(options)
            .backend(new CpuJaninoBackend())
            .store(
                new CachedVariantStore(CompileCache.open(dir), null, options.toString(), "cpu"));
    try (SentenceEmbedder e =
        SentenceEmbedder.load(
            spec,
            ModelFiles.local(),
            TextTokenizer.DEFAULT_MAX_LENGTH,
            SentenceEmbedder.DEFAULT_BATCH_ROWS,
            compiler)) {
      CompileWrapper w = e.compileWrapper().orElseThrow();
      for (int[] bs : shapes) {
        w.dispatchTo(w.captureIndex(bs[0], bs[1]), feeds(w.graph(), bs[0], bs[1]));
      }
    }
    return System.nanoTime() - t0;
  }

  /** The (batch, seq) of every captured variant in {@code used}, in order. */
  static List<int[]> captureShapes(List<CompiledVariant> used) {
    List<int[]> out = new ArrayList<>();
    for (CompiledVariant v : used) {
      String capture = v.key().options().get("capture"); // "BATCHxSEQ", set by level 3
      if (capture != null) {
        String[] p = capture.split("x");
        out.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
      }
    }
    return out;
  }

  /** A batch of {@code batch} rows of {@code seq} real tokens: [CLS] the the ... [SEP]. */
  private static Map<String, Tensor> feeds(Graph g, int batch, int seq) {
    long[] ids = new long[batch * seq];
    long[] ones = new long[batch * seq];
    Arrays.fill(ids, 1996); // "the" in BERT's uncased vocabulary
    Arrays.fill(ones, 1);
    for (int r = 0; r < batch; r++) {
      ids[r * seq] = 101;
      ids[r * seq + seq - 1] = 102;
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
