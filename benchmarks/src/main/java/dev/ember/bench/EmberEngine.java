package dev.ember.bench;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.text.EmbedStats;
import dev.ember.executor.text.SentenceEmbedder;
import dev.ember.executor.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ember at one compile level: one {@link SentenceEmbedder} over a {@link CompileWrapper} with the
 * {@link CpuJaninoBackend}, shared by {@code workers} threads the way one executor JVM shares it
 * among Spark's task slots. A plan's batches are dealt out in turn (batch {@code i} to worker
 * {@code i % workers}), so every worker gets short and long ones and the batches are exactly the
 * ones ONNX Runtime runs:
 *
 * <ul>
 *   <li>corpus order: one {@code embed(batch, 64)} call per batch of 64 rows;
 *   <li>length-sorted: one {@code embed(rows, 32)} call per worker with all its rows in corpus
 *       order; the embedder sorts them by length itself (stably, as the plan does) and, at level 3,
 *       also cuts its batches where padding and calls cost least (BucketCuts).
 * </ul>
 */
final class EmberEngine implements Engine, AutoCloseable {
  private final OnnxModel model;
  private final byte[] tokenizerJson;
  private final int level;
  private final int workers;
  private final SentenceEmbedder embedder;
  private final ExecutorService pool;
  private long timedCompiles;

  /** Builds the embedder; the tokenizer is read from {@code tokenizerJson} (a tokenizer.json). */
  EmberEngine(OnnxModel model, byte[] tokenizerJson, int level, int workers) {
    this.model = model;
    this.tokenizerJson = tokenizerJson;
    this.level = level;
    this.workers = workers;
    this.embedder = embedder(new CpuJaninoBackend());
    this.pool =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "ember-bench-worker");
              t.setDaemon(true);
              return t;
            });
  }

  int level() {
    return level;
  }

  @Override
  public String name() {
    return "ember level " + level;
  }

  /** Untimed, as {@link WarmUp} describes. */
  @Override
  public void warmUp(Corpus corpus, Batching batching, List<List<int[]>> chunks)
      throws InterruptedException {
    List<int[]> plan = corpus.plan(batching);
    CompileWrapper w = embedder.compileWrapper().orElseThrow();
    if (level == 1) {
      // Level 1 compiles a static variant per new shape up to maxVariants, then one general one.
      pass(corpus, batching, corpus.distinctShapes(plan, w.options().maxVariants() + 1));
      return;
    }
    if (level == 3) {
      for (int[] bs : probeCaptureShapes(corpus, batching, chunks)) {
        w.dispatchTo(w.captureIndex(bs[0], bs[1]), SyntheticBatch.feeds(w.graph(), bs[0], bs[1]));
      }
    }
    pass(corpus, batching, Corpus.spread(plan, WarmUp.batches(plan.size())));
  }

  /** Runs the batches of {@code plan}, timed, counting variants compiled meanwhile. */
  @Override
  public Measurement run(Corpus corpus, Batching batching, List<int[]> plan)
      throws InterruptedException {
    long before = wrapperStats().variantsCompiled();
    Measurement m = pass(corpus, batching, plan);
    timedCompiles += wrapperStats().variantsCompiled() - before;
    return m;
  }

  /** Variants compiled during {@link #run} calls (0 when the warm-up did its job). */
  long timedCompiles() {
    return timedCompiles;
  }

  private Measurement pass(Corpus corpus, Batching batching, List<int[]> plan)
      throws InterruptedException {
    List<int[]> calls = calls(plan, batching);
    float[][] vectors = new float[corpus.size()][];
    EmbedStats before = embedder.stats();
    List<Future<?>> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      List<int[]> mine = new ArrayList<>();
      for (int i = w; i < calls.size(); i += workers) {
        mine.add(calls.get(i));
      }
      running.add(pool.submit(() -> embedAll(embedder, corpus, batching, mine, vectors)));
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            name() + " failed on " + batching.label() + ": " + e.getCause(), e.getCause());
      }
    }
    long nanos = System.nanoTime() - start;
    EmbedStats after = embedder.stats();
    return new Measurement(
        name(),
        batching,
        Corpus.rows(plan),
        nanos,
        after.batches() - before.batches(),
        after.realTokens() - before.realTokens(),
        after.paddedTokens() - before.paddedTokens(),
        vectors);
  }

  /** The wrapper's counters. */
  WrapperStats wrapperStats() {
    return embedder.compileWrapper().orElseThrow().stats();
  }

  /** The variants compiled so far. */
  List<CompiledVariant> variants() {
    return embedder.compileWrapper().orElseThrow().variants();
  }

  /** The compiled variants that have run at least once (level 3: the captured shapes used). */
  List<CompiledVariant> usedVariants() {
    return used(embedder.compileWrapper().orElseThrow());
  }

  /**
   * The {@code embed} calls of a plan, each a set of rows: one per batch in corpus order; in
   * length-sorted order one per worker, holding the rows of its batches in corpus order.
   */
  private List<int[]> calls(List<int[]> plan, Batching batching) {
    if (batching == Batching.CORPUS_ORDER) {
      return plan;
    }
    List<int[]> calls = new ArrayList<>();
    for (int w = 0; w < Math.min(workers, plan.size()); w++) {
      List<int[]> mine = new ArrayList<>();
      for (int i = w; i < plan.size(); i += workers) {
        mine.add(plan.get(i));
      }
      int[] rows = mine.stream().flatMapToInt(Arrays::stream).toArray();
      Arrays.sort(rows); // corpus order: the embedder's stable sort then rebuilds the plan
      calls.add(rows);
    }
    return calls;
  }

  /**
   * The captured (batch, seq) variants the timed passes over {@code chunks} dispatch, found by
   * running the same {@code embed} calls through a {@link ShapeProbe} embedder.
   */
  private List<int[]> probeCaptureShapes(
      Corpus corpus, Batching batching, List<List<int[]>> chunks) {
    try (SentenceEmbedder probe = embedder(new ShapeProbe())) {
      float[][] ignored = new float[corpus.size()][];
      for (List<int[]> chunk : chunks) {
        embedAll(probe, corpus, batching, calls(chunk, batching), ignored);
      }
      return StartTimes.captureShapes(used(probe.compileWrapper().orElseThrow()));
    }
  }

  private SentenceEmbedder embedder(Backend backend) {
    CompileWrapper wrapper =
        CompileWrapper.builder(CompileOptions.level(level)).backend(backend)
            .build(SentenceEmbedder.forwardGraph(model));
    TextTokenizer tokenizer =
        TextTokenizer.fromJson(tokenizerJson, "tokenizer", TextTokenizer.DEFAULT_MAX_LENGTH);
    return SentenceEmbedder.create(model, wrapper, tokenizer, SentenceEmbedder.DEFAULT_BATCH_ROWS);
  }

  private static void embedAll(
      SentenceEmbedder e, Corpus corpus, Batching batching, List<int[]> calls, float[][] out) {
    for (int[] rows : calls) {
      float[][] v = e.embed(corpus.texts(rows), batching.rowsPerBatch());
      for (int k = 0; k < rows.length; k++) {
        out[rows[k]] = v[k];
      }
    }
  }

  private static List<CompiledVariant> used(CompileWrapper w) {
    WrapperStats stats = w.stats();
    List<CompiledVariant> compiled = w.variants();
    List<CompiledVariant> used = new ArrayList<>();
    // Both lists follow the wrapper's variant indices, skipping the ones not compiled yet.
    int k = 0;
    for (WrapperStats.VariantStats v : stats.variants()) {
      if (v.compiled()) {
        if (v.dispatches() > 0) {
          used.add(compiled.get(k));
        }
        k++;
      }
    }
    return used;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    embedder.close();
  }
}
