package dev.ember.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times several engines on the same batches in rounds: the plan is dealt into {@link #ROUNDS}
 * chunks of similar length mix, and each round runs one chunk on every engine, in a rotating
 * order. On a machine whose cores other processes share, the load then moves every engine's
 * numbers alike, and the ratios between engines stay meaningful even when the absolute numbers do
 * not.
 */
final class Interleaved {
  static final int ROUNDS = 8;

  private Interleaved() {}

  /**
   * What one batching gave.
   *
   * @param total per engine name, its chunks combined
   * @param rounds per engine name, one measurement per round
   */
  record Result(Map<String, Measurement> total, Map<String, List<Measurement>> rounds) {}

  /** Warms every engine up, then times them all over {@code corpus} in {@code batching}. */
  static Result measure(
      List<Engine> engines, Corpus corpus, Batching batching, PrintStream progress)
      throws Exception {
    List<int[]> plan = corpus.plan(batching);
    List<List<int[]>> chunks = deal(plan, Math.min(ROUNDS, plan.size()));
    for (Engine e : engines) {
      e.warmUp(corpus, batching, chunks);
    }
    Map<String, List<Measurement>> parts = new LinkedHashMap<>();
    for (Engine e : engines) {
      parts.put(e.name(), new ArrayList<>());
    }
    for (int r = 0; r < chunks.size(); r++) {
      for (int k = 0; k < engines.size(); k++) {
        Engine e = engines.get((r + k) % engines.size());
        parts.get(e.name()).add(e.run(corpus, batching, chunks.get(r)));
      }
    }
    Map<String, Measurement> total = new LinkedHashMap<>();
    for (Map.Entry<String, List<Measurement>> p : parts.entrySet()) {
      Measurement m = Measurement.combine(p.getValue());
      total.put(p.getKey(), m);
      progress.printf(Locale.ROOT, "ember bench: %-14s %-19s %5d rows %8.1f sentences/s"
              + " (%.1f s, padded/real %.2f)%n", m.engine(), batching.label(), m.rows(),
          m.sentencesPerSecond(), m.seconds(), m.paddingRatio());
    }
    return new Result(total, parts);
  }

  /** Chunk {@code i} of {@code n} holds batches {@code i, i + n, i + 2n, ...} of the plan. */
  static List<List<int[]>> deal(List<int[]> plan, int n) {
    List<List<int[]>> chunks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<int[]> chunk = new ArrayList<>();
      for (int k = i; k < plan.size(); k += n) {
        chunk.add(plan.get(k));
      }
      chunks.add(chunk);
    }
    return chunks;
  }
}
