package dev.ember.bench;

import java.util.List;
import java.util.Locale;

/**
 * Everything one run measured, and its Markdown rendering (printed by {@code bin/ember bench} and
 * written to {@code build/bench/}).
 *
 * @param options what was asked
 * @param environment lines about the machine and the load, one per line
 * @param corpusLine the rows, tokens and length quantiles
 * @param ortLine ONNX Runtime's version and settings
 * @param emberLine Ember's threads and backend
 * @param rows the table, ONNX Runtime first
 * @param start level-3 cold/warm start, or null when level 3 was not measured
 * @param compute the model's work per token and the machine's FMA peak
 * @param notes lines under the table
 */
record BenchReport(
    BenchOptions options,
    List<String> environment,
    String corpusLine,
    String ortLine,
    String emberLine,
    List<ReportRow> rows,
    StartTimes start,
    Compute compute,
    List<String> notes) {

  /**
   * @param flopsPerToken {@link ModelFlops#perToken}
   * @param peakGflops {@link FmaPeak#measure} over the cores, NaN when not measured
   * @param peakLine how the peak was measured, or why not
   */
  record Compute(long flopsPerToken, double peakGflops, String peakLine) {
    String cells(Measurement m) {
      double executed = m.paddedTokens() * (double) flopsPerToken / m.seconds() / 1e9;
      double useful = m.realTokens() * (double) flopsPerToken / m.seconds() / 1e9;
      String share = Double.isNaN(peakGflops) ? "-"
          : String.format(Locale.ROOT, "%.0f %%", 100 * executed / peakGflops);
      return String.format(Locale.ROOT, "%.1f | %.1f | %s", executed, useful, share);
    }
  }

  BenchReport {
    environment = List.copyOf(environment);
    rows = List.copyOf(rows);
    notes = List.copyOf(notes);
  }

  /** The row of {@code engine} in {@code batching} over {@code n} rows, or null. */
  ReportRow row(String engine, Batching batching, int n) {
    for (ReportRow r : rows) {
      if (r.m().engine().equals(engine) && r.m().batching() == batching && r.m().rows() == n) {
        return r;
      }
    }
    return null;
  }

  private static String startRow(String what, StartTimes.Start s) {
    return String.format(Locale.ROOT,
        "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d |%n",
        what, s.nanos() / 1e9, s.loadNanos() / 1e9, s.variantNanos() / 1e9, s.runNanos() / 1e9,
        s.rerunNanos() / 1e9, s.firstBatchNanos() / 1e9, s.compilations(), s.peakRssKib() >> 10);
  }

  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("## Ember vs ONNX Runtime: sentence embeddings of real text\n\n");
    for (String line : environment) {
      sb.append("- ").append(line).append('\n');
    }
    sb.append("- ").append(corpusLine).append('\n');
    sb.append("- ").append(ortLine).append('\n');
    sb.append("- ").append(emberLine).append('\n');
    sb.append("- timed: text in, normalised vectors out (tokenize, forward, mean-pool,"
        + " L2-normalise), wall clock; each batching's batches are dealt into ")
        .append(Interleaved.ROUNDS).append(" chunks and every round runs one chunk on every"
            + " engine in turn (rotating the order), so load changes hit all engines alike; ")
        .append(WarmUp.describe()).append("\n\n");
    sb.append("| engine | batching | rows | batches | sentences/s | real tokens/s | padded/real"
        + " | x ORT same batching | x ORT length-sorted | min cosine vs ORT |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ReportRow r : rows) {
      Measurement m = r.m();
      boolean subset = m.rows() < options.rows();
      sb.append(String.format(Locale.ROOT,
          "| %s | %s | %,d%s | %,d | %.1f | %,.0f | %.2f | %.2f | %.2f | %s |%n",
          m.engine(), m.batching().label(), m.rows(), subset ? " (subset)" : "", m.batches(),
          m.sentencesPerSecond(), m.realTokensPerSecond(), m.paddingRatio(), r.ratioSame(),
          r.ratioSorted(), m.engine().equals(OrtEngine.NAME) ? "(reference)"
              : String.format(Locale.ROOT, "%.6f", r.minCosine())));
    }
    sb.append(String.format(Locale.ROOT, "%n| compute: %.1f MFLOP per token | batching | GFLOP/s"
        + " executed (padded tokens) | GFLOP/s on real tokens | executed, share of the FMA peak"
        + " |%n|---|---|---:|---:|---:|%n", compute.flopsPerToken() / 1e6));
    for (ReportRow r : rows) {
      sb.append("| ").append(r.m().engine()).append(" | ").append(r.m().batching().label())
          .append(" | ").append(compute.cells(r.m())).append(" |\n");
    }
    sb.append("\n").append(compute.peakLine()).append(" MFLOP per token counts the products"
        + " with weights (2 K N each); attention's length-dependent products, 1-3 % here, are not"
        + " counted.\n");
    if (start != null) {
      sb.append(String.format(Locale.ROOT, "%n| level 3 start: load, then one batch through each"
          + " of the %d captured variants the run used | whole start, s | load model + build"
          + " wrapper, s | obtain variants, s | run one batch each, s | again (code run once), s"
          + " | start to first batch done, s | Janino compilations | peak RSS, MiB |%n"
          + "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n", start.variants()));
      sb.append(startRow("cold (empty compile cache)", start.cold()));
      sb.append(startRow("warm (new embedder, same cache folder)", start.warm()));
      sb.append(String.format(Locale.ROOT, "| cold / warm | %.1fx | | %.1fx | | | %.1fx | | |%n",
          start.speedup(), start.variantSpeedup(), start.firstBatchSpeedup()));
      sb.append("\nEach start runs in a fresh JVM (-Xmx2g, this class path), as an executor"
          + " starts: the cold one on an empty compile cache folder, the warm one on the folder"
          + " the cold one filled. The column after 'run one batch each' runs the same batches"
          + " again in the same JVM, so the difference is what running code for the first time"
          + " costs (interpreted until the JIT compiles it).\n");
    }
    if (!notes.isEmpty()) {
      sb.append('\n');
      for (String n : notes) {
        sb.append("- ").append(n).append('\n');
      }
    }
    return sb.toString();
  }
}
