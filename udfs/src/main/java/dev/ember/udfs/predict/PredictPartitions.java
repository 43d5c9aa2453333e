package dev.ember.udfs.predict;

import dev.ember.executor.ir.Tensor;
import dev.ember.executor.predict.Predictor;
import dev.ember.spark.EmberMetrics;
import dev.ember.spark.EngineSettings;
import dev.ember.spark.ExecutorModels;
import dev.ember.spark.HadoopModelFiles;
import dev.ember.udfs.TruncationSummary;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The per-partition work of the predict UDF: reads a window of rows, turns each into the graph's
 * row tensors, runs them through the executor's shared model in batches, and emits every row,
 * in input order, with its output columns appended (null for a row with a null input).
 */
public final class PredictPartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  /** A window spans this many batches, so sequence models have room to sort by length. */
  static final int WINDOW_BATCHES = 16;

  private final String spec;
  private final EngineSettings settings;
  private final int batchSize;
  private final List<InputBinding> inputs;
  private final List<OutputBinding> outputs;
  private final int[] textIndices;
  private final int graphInputs;
  // Found on the first call and kept, so a row-at-a-time caller (the ScalaUDF of RAPIDS mode)
  // looks the model up once per task, not per row; transient: each task's copy finds its own.
  private transient Predictor model;
  // One truncation summary per task, also when a row-at-a-time caller calls once per row.
  private transient TruncationSummary truncation;
  private transient long truncationTask = -1;

  /**
   * @param textIndices the string column whose tokens feed the token inputs, and the second text
   *     of a pair; empty when no text feeds the graph
   * @param graphInputs how many inputs the graph has
   */
  public PredictPartitions(String spec, EngineSettings settings, int batchSize,
      List<InputBinding> inputs, List<OutputBinding> outputs, int[] textIndices, int graphInputs) {
    this.spec = spec;
    this.settings = settings;
    this.batchSize = batchSize;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.textIndices = textIndices.clone();
    this.graphInputs = graphInputs;
  }

  /**
   * The executor's shared model of this call (loaded on first use, then kept for the task): for
   * the RAPIDS columnar path, which feeds its compile wrapper from device memory.
   */
  public Predictor predictor() {
    if (this.model == null) {
      this.model = ExecutorModels.predictor(spec, settings,
          new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf())),
          textIndices.length > 0);
    }
    return this.model;
  }

  /** True when a text column feeds the graph through the tokenizer. */
  public boolean readsText() {
    return textIndices.length > 0;
  }

  /** How argument columns feed graph inputs. */
  public List<InputBinding> inputBindings() {
    return inputs;
  }

  /** How graph outputs become result columns, in column order. */
  public List<OutputBinding> outputBindings() {
    return outputs;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Predictor model = predictor();
    TruncationSummary cuts = textIndices.length > 0 ? truncationSummary(model) : null;
    int window = batchSize * WINDOW_BATCHES;
    return new Iterator<>() {
      private final List<Row> pending = new ArrayList<>();
      private Tensor[][] results = new Tensor[0][];
      private int next;
      private long seen;

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
        Object[] values = new Object[row.length() + outputs.size()];
        for (int i = 0; i < row.length(); i++) {
          values[i] = row.get(i);
        }
        for (int o = 0; o < outputs.size(); o++) {
          values[row.length() + o] = outputs.get(o).value(results[next]);
        }
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
        List<Tensor[]> feeds = new ArrayList<>(pending.size());
        for (Row r : pending) {
          feeds.add(feed(model, r, seen++, cuts));
        }
        results = model.run(feeds, batchSize);
        EmberMetrics.recordRows(pending.size());
      }
    };
  }

  /** The row's tensors, or null when any bound value is null (or the text is blank). */
  private Tensor[] feed(Predictor model, Row row, long rowNumber, TruncationSummary cuts) {
    Tensor[] t;
    if (textIndices.length > 0) {
      String text = textAt(row, 0);
      String pair = textIndices.length > 1 ? textAt(row, 1) : null;
      if (text == null || (textIndices.length > 1 && pair == null)) {
        return null;
      }
      Runnable onCut = () -> cuts.add(1);
      t = pair == null ? model.tokenRow(text, onCut) : model.tokenRow(text, pair, onCut);
    } else {
      t = new Tensor[graphInputs];
    }
    for (InputBinding b : inputs) {
      Tensor v = b.tensor(row, rowNumber);
      if (v == null) {
        return null;
      }
      t[b.slot()] = v;
    }
    return t;
  }

  /** This task's summary of truncated texts, logged once when the task ends. */
  private TruncationSummary truncationSummary(Predictor model) {
    TaskContext task = TaskContext.get();
    long id = task == null ? -1 : task.taskAttemptId();
    if (truncation == null || id != truncationTask) {
      truncation = TruncationSummary.forThisTask(model.maxLength());
      truncationTask = id;
    }
    return truncation;
  }

  /** Text {@code k} of the row, or null when it is null or blank (its outputs are null). */
  private String textAt(Row row, int k) {
    int i = textIndices[k];
    String text = row.isNullAt(i) ? null : row.getString(i);
    return text == null || text.isBlank() ? null : text;
  }
}
