package dev.ember.udfs;

import dev.ember.executor.text.SentenceEmbedder;
import dev.ember.spark.EmberMetrics;
import dev.ember.spark.EngineSettings;
import dev.ember.spark.ExecutorModels;
import dev.ember.spark.HadoopModelFiles;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The per-partition work of {@link TextEmbeddings}: reads rows a window at a time, embeds the
 * window's texts with the executor's shared model, and emits each row with its embedding
 * appended, in input order. Only one window of rows is held at a time. Texts longer than the
 * model's maxLength are counted and summed up in one log line when the task ends ({@link
 * TruncationSummary}).
 */
final class EmbedPartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  /** With sorting on, a window spans this many batches, so sorting by length has room to work. */
  static final int SORTED_WINDOW_BATCHES = 16;

  private final String spec;
  private final EngineSettings settings;
  private final int batchSize;
  private final boolean sortByLength;
  private final int textIndex;
  // Kept after the first call, as in PredictPartitions (one lookup per task, not per row).
  private transient SentenceEmbedder embedder;

  EmbedPartitions(
      String spec, EngineSettings settings, int batchSize, boolean sortByLength, int textIndex) {
    this.spec = spec;
    this.settings = settings;
    this.batchSize = batchSize;
    this.sortByLength = sortByLength;
    this.textIndex = textIndex;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (this.embedder == null) {
      this.embedder = ExecutorModels.embedder(spec, settings,
          new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf())));
    }
    SentenceEmbedder embedder = this.embedder;
    int window = sortByLength ? batchSize * SORTED_WINDOW_BATCHES : batchSize;
    TruncationSummary truncation = TruncationSummary.forThisTask(embedder.maxLength());
    return new Iterator<>() {
      private final List<Row> pending = new ArrayList<>();
      private float[][] vectors = new float[0][];
      private int next;

      @Override
      public boolean hasNext() {
        if (next < pending.size()) {
          return true;
        }
        fill();
        return next < pending.size();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row row = pending.get(next);
        Object[] values = new Object[row.length() + 1];
        for (int i = 0; i < row.length(); i++) {
          values[i] = row.get(i);
        }
        values[row.length()] = vectors[next];
        next++;
        return RowFactory.create(values);
      }

      private void fill() {
        pending.clear();
        next = 0;
        while (pending.size() < window && rows.hasNext()) {
          pending.add(rows.next());
        }
        if (pending.isEmpty()) {
          return;
        }
        List<String> texts = new ArrayList<>(pending.size());
        for (Row r : pending) {
          texts.add(r.isNullAt(textIndex) ? null : r.getString(textIndex));
        }
        vectors = embedder.embed(texts, batchSize, truncation::add);
        EmberMetrics.recordRows(texts.size());
      }
    };
  }
}
