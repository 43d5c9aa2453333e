package dev.ember.bench;

import java.util.List;

/** An engine the benchmark times: text in, normalised embeddings out. */
interface Engine {
  /** For the table, e.g. {@code "onnxruntime"} or {@code "ember level 3"}. */
  String name();

  /**
   * Untimed: what the timed passes over {@code chunks} (parts of {@code corpus.plan(batching)})
   * need done first, as {@link WarmUp} describes.
   */
  void warmUp(Corpus corpus, Batching batching, List<List<int[]>> chunks) throws Exception;

  /** Runs the batches of {@code plan} (a part of {@code corpus.plan(batching)}), timed. */
  Measurement run(Corpus corpus, Batching batching, List<int[]> plan) throws Exception;
}
