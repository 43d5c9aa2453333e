package dev.ember.bench;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelImages;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SentenceEmbedder;
import dev.ember.executor.text.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Level-3 start time, cold and warm, each in a fresh JVM as an executor starts ({@link
 * StartProcess}): load the model into a new embedder whose wrapper sits on a {@link CompileCache}
 * and run one batch through each captured variant the measured runs used. Cold starts on an empty
 * cache folder (every variant is compiled with Janino and saved); warm starts on the same folder
 * (every variant is loaded from its saved classes, no Janino run, which {@link
 * JaninoCompiler#compilations()} confirms). A fresh JVM matters: in the benchmark's own JVM the
 * kernel library classes the measured runs used are already loaded and JIT-compiled.
 *
 * @param variants captured (batch, seq) variants each start ran
 * @param cold the start on an empty cache folder
 * @param warm the start on the folder the cold start filled
 */
record StartTimes(int variants, Start cold, Start warm) {

  /**
   * One start.
   *
   * @param nanos all of it: load the model and tokenizer, build the wrapper, obtain every variant,
   *     run each once
   * @param loadNanos loading the model and tokenizer and building the wrapper
   * @param variantNanos obtaining the variants (specialise, then compile and save, or load), as
   *     the wrapper counts it
   * @param compilations Janino runs (0 when every variant came from the cache)
   * @param firstBatchNanos from the start to the first batch done (load, obtain its variant, run
   *     it): what a Spark task waits for before its first rows come out
   * @param rerunNanos a second batch through each variant, after the start: the same work with
   *     every variant's code already run once, so {@link #runNanos()} minus this is what first
   *     runs cost beyond the arithmetic (interpreted bytecode until the JIT compiles it)
   * @param peakRssKib the start's JVM's peak resident memory (VmHWM), or -1 where unknown
   */
  record Start(
      long nanos,
      long loadNanos,
      long variantNanos,
      long compilations,
      long firstBatchNanos,
      long rerunNanos,
      long peakRssKib) {

    /** Running one batch through each variant: the rest of the start. */
    long runNanos() {
      return nanos - loadNanos - variantNanos;
    }
  }

  /** Cold over warm, whole starts. */
  double speedup() {
    return (double) cold.nanos / warm.nanos;
  }

  /** Cold over warm, start to first batch done. */
  double firstBatchSpeedup() {
    return (double) cold.firstBatchNanos / warm.firstBatchNanos;
  }

  /** Cold over warm, obtaining the variants only. */
  double variantSpeedup() {
    return (double) cold.variantNanos / warm.variantNanos;
  }

  /**
   * Measures both starts over the cache folder {@code dir} (which must be empty or absent) for the
   * captured shapes of {@code used} (variants of a level-3 wrapper).
   */
  static StartTimes measure(ModelSpec spec, List<CompiledVariant> used, Path dir) {
    List<int[]> shapes = captureShapes(used);
    Start cold = StartProcess.run(spec, dir, shapes);
    Start warm = StartProcess.run(spec, dir, shapes);
    return new StartTimes(shapes.size(), cold, warm);
  }

  /** One start in this JVM: what {@link StartProcess} runs. */
  static Start start(ModelSpec spec, List<int[]> shapes, Path dir) {
    long c0 = JaninoCompiler.compilations();
    long t0 = System.nanoTime();
    CompileOptions options = CompileOptions.level(3);
    CompileWrapper.Builder compiler =
        CompileWrapper.builder(options)
            .backend(new CpuJaninoBackend())
            .store(
                new CachedVariantStore(CompileCache.open(dir), null, options.cacheFactor(), "cpu")
                    .withModelImages(true));
    long variantNanos;
    long loadNanos;
    long firstBatchNanos = 0;
    long rerunNanos;
    long nanos;
    try (SentenceEmbedder e =
        SentenceEmbedder.load(
            spec,
            ModelFiles.local(),
            TextTokenizer.DEFAULT_MAX_LENGTH,
            SentenceEmbedder.DEFAULT_BATCH_ROWS,
            compiler)) {
      loadNanos = System.nanoTime() - t0;
      CompileWrapper w = e.compileWrapper().orElseThrow();
      for (int[] bs : shapes) {
        w.dispatchTo(w.captureIndex(bs[0], bs[1]), SyntheticBatch.feeds(w.graph(), bs[0], bs[1]));
        if (firstBatchNanos == 0) {
          firstBatchNanos = System.nanoTime() - t0;
        }
      }
      variantNanos = w.stats().compileNanos();
      nanos = System.nanoTime() - t0;
      long r0 = System.nanoTime();
      for (int[] bs : shapes) {
        w.dispatchTo(w.captureIndex(bs[0], bs[1]), SyntheticBatch.feeds(w.graph(), bs[0], bs[1]));
      }
      rerunNanos = System.nanoTime() - r0;
    }
    ModelImages.awaitWrites(); // a live executor writes the image while it runs its tasks
    return new Start(nanos, loadNanos, variantNanos, JaninoCompiler.compilations() - c0,
        firstBatchNanos, rerunNanos, Machine.peakRssKib());
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
}
