package dev.ember.bench;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.text.EmbedStats;
import dev.ember.executor.text.SentenceEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ember at one compile level: one {@link SentenceEmbedder} shared by {@code workers} threads, the
 * way one executor JVM shares it among Spark's task slots. The batches of a plan are dealt out in
 * turn (batch {@code i} to worker {@code i % workers}), so every worker gets short and long ones
 * and the batches are exactly the ones ONNX Runtime runs:
 *
 * <ul>
 *   <li>corpus order: one {@code embed(batch, 64)} call per batch of 64 rows;
 *   <li>length-sorted: one {@code embed(rows, 32)} call per worker with all its rows in corpus
 *       order; the embedder sorts them by length itself (stably, as the plan does) and, at level 3,
 *       also cuts a batch where the sequence bucket changes.
 * </ul>
 */
final class EmberEngine implements AutoCloseable {
  private final SentenceEmbedder embedder;
  private final int level;
  private final ExecutorService pool;
  private final int workers;

  /** Takes ownership of {@code embedder}. */
  EmberEngine(SentenceEmbedder embedder, int level, int workers) {
    this.embedder = embedder;
    this.level = level;
    this.workers = workers;
    this.pool =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "ember-bench-worker");
              t.setDaemon(true);
              return t;
            });
  }

  String name() {
    return "ember level " + level;
  }

  /** Runs {@code corpus} in {@code batching} once, timed. */
  Measurement run(Corpus corpus, Batching batching) throws InterruptedException {
    List<int[]> plan = corpus.plan(batching);
    float[][] vectors = new float[corpus.size()][];
    EmbedStats before = embedder.stats();
    List<Future<?>> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      List<int[]> mine = new ArrayList<>();
      for (int i = w; i < plan.size(); i += workers) {
        mine.add(plan.get(i));
      }
      running.add(pool.submit(() -> work(corpus, batching, mine, vectors)));
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
        corpus.size(),
        nanos,
        after.batches() - before.batches(),
        after.realTokens() - before.realTokens(),
        after.paddedTokens() - before.paddedTokens(),
        vectors);
  }

  /** The variants compiled so far (level 3: the captured (batch, seq) shapes the runs used). */
  List<CompiledVariant> variants() {
    return embedder.compileWrapper().map(CompileWrapper::variants).orElse(List.of());
  }

  /** The wrapper's counters, or null without a wrapper. */
  WrapperStats wrapperStats() {
    return embedder.compileWrapper().map(CompileWrapper::stats).orElse(null);
  }

  private void work(Corpus corpus, Batching batching, List<int[]> batches, float[][] out) {
    if (batching == Batching.CORPUS_ORDER) {
      for (int[] rows : batches) {
        store(rows, embedder.embed(corpus.texts(rows), batching.rowsPerBatch()), out);
      }
      return;
    }
    int n = 0;
    for (int[] b : batches) {
      n += b.length;
    }
    int[] rows = new int[n];
    int k = 0;
    for (int[] b : batches) {
      for (int r : b) {
        rows[k++] = r;
      }
    }
    java.util.Arrays.sort(rows); // corpus order, so the embedder's stable sort rebuilds the plan
    store(rows, embedder.embed(corpus.texts(rows), batching.rowsPerBatch()), out);
  }

  private static void store(int[] rows, float[][] vectors, float[][] out) {
    for (int k = 0; k < rows.length; k++) {
      out[rows[k]] = vectors[k];
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
    embedder.close();
  }
}
