package dev.ember.udfs;

import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SpecFiles;
import dev.ember.spark.EngineSettings;
import dev.ember.spark.HadoopModelFiles;
import dev.ember.spark.ModelChecks;
import dev.ember.spark.conf.EmberConf;
import dev.ember.udfs.predict.Bindings;
import dev.ember.udfs.predict.InputBinding;
import dev.ember.udfs.predict.OutputBinding;
import dev.ember.udfs.predict.PredictPartitions;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Runs any batchable ONNX model over a DataFrame, batch by batch within each partition, in the
 * spirit of Spark's {@code predict_batch_udf} but typed and checked before any task: the model's
 * signature is read on the driver, every graph input must be fed by columns whose types convert
 * without loss, and every output column's type is known up front. The model is compiled once per
 * executor JVM and shared by its tasks; every input row comes out once, in order, with its columns,
 * and a row with a null input gets null outputs.
 *
 * <pre>{@code
 * Dataset<Row> scored = EmberPredict.model("hdfs:///models/wine/model.onnx")
 *     .input("input", "alcohol", "malic_acid", "ash")   // numeric columns stacked into [batch, 3]
 *     .output("output", "probabilities")                // array<float> per row
 *     .argmax("output", "label")                        // index of the largest probability
 *     .batchSize(256)
 *     .transform(df);
 * }</pre>
 *
 * <p>Inputs may be numeric scalar columns (stacked in the order given), one array column
 * ({@code array<float|double|int|long>}, nested arrays flattened, of the input's row size or, for a
 * sequence input, any multiple of it) or one Spark ML {@code Vector} column (dense or sparse).
 * Instances are immutable; every setter returns a copy.
 */
public final class EmberPredict implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final Map<String, List<String>> inputs;
  private final Map<String, String> outputs;
  private final Map<String, String> argmax;
  private final Integer batchSize;
  private final boolean allowNarrowing;
  /** The text column, and the second text of a pair, that feed the token inputs; empty: none. */
  private final List<String> text;

  private EmberPredict(String model, Map<String, List<String>> inputs,
      Map<String, String> outputs, Map<String, String> argmax, Integer batchSize,
      boolean allowNarrowing, List<String> text) {
    this.model = model;
    this.inputs = inputs;
    this.outputs = outputs;
    this.argmax = argmax;
    this.batchSize = batchSize;
    this.allowNarrowing = allowNarrowing;
    this.text = text;
  }

  /** The model to run: a path or Hadoop URI of an .onnx file, a folder holding model.onnx, or a
   * builtin. */
  public static EmberPredict model(String spec) {
    Objects.requireNonNull(spec, "spec");
    return new EmberPredict(spec, Map.of(), Map.of(), Map.of(), null, false, List.of());
  }

  /** Feeds graph input {@code graphInput} from {@code columns} (see the class comment). */
  public EmberPredict input(String graphInput, String... columns) {
    Map<String, List<String>> m = new LinkedHashMap<>(inputs);
    m.put(graphInput, List.of(columns));
    return new EmberPredict(model, m, outputs, argmax, batchSize, allowNarrowing, text);
  }

  /** Writes graph output {@code graphOutput} to column {@code column}; without any, every output
   * goes to a column of its own name. */
  public EmberPredict output(String graphOutput, String column) {
    Map<String, String> m = new LinkedHashMap<>(outputs);
    m.put(graphOutput, column);
    return new EmberPredict(model, inputs, m, argmax, batchSize, allowNarrowing, text);
  }

  /** Adds an int column holding the index of the largest value of vector output {@code
   * graphOutput} (a classifier's predicted class). */
  public EmberPredict argmax(String graphOutput, String column) {
    Map<String, String> m = new LinkedHashMap<>(argmax);
    m.put(graphOutput, column);
    return new EmberPredict(model, inputs, outputs, m, batchSize, allowNarrowing, text);
  }

  /** Rows per model call (default {@code spark.ember.batchSize}). */
  public EmberPredict batchSize(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("EmberPredict: batchSize must be >= 1, was " + rows);
    }
    return new EmberPredict(model, inputs, outputs, argmax, rows, allowNarrowing, text);
  }

  /**
   * Feeds the graph's token inputs ({@code input_ids}, and {@code attention_mask} and {@code
   * token_type_ids} where it has them) from string column {@code column}, through the model's
   * {@code tokenizer.json} (truncated at {@code spark.ember.text.maxLength}); a null or blank text
   * gives null outputs. Rows are sorted by token count within each window and batched per
   * sequence bucket, as for embeddings.
   */
  public EmberPredict text(String column) {
    Objects.requireNonNull(column, "column");
    return new EmberPredict(model, inputs, outputs, argmax, batchSize, allowNarrowing,
        List.of(column));
  }

  /**
   * Like {@link #text(String)} for models that read two texts at once (cross-encoder rerankers,
   * sentence-pair classifiers): each row's {@code first} and {@code second} are encoded as one
   * pair, {@code [CLS] first [SEP] second [SEP]} for BERT-style tokenizers, with {@code
   * token_type_ids} 0 over the first segment and 1 over the second, as the model was trained. When
   * the pair is longer than {@code spark.ember.text.maxLength}, the longer text is truncated first.
   * A row whose first or second text is null or blank gets null outputs.
   */
  public EmberPredict text(String first, String second) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(second, "second");
    return new EmberPredict(model, inputs, outputs, argmax, batchSize, allowNarrowing,
        List.of(first, second));
  }

  /** Lets double columns feed float inputs (and long columns int32 ones), rounding each value. */
  public EmberPredict allowNarrowing(boolean allow) {
    return new EmberPredict(model, inputs, outputs, argmax, batchSize, allow, text);
  }

  /**
   * Returns {@code df} with the output columns appended. Lazy: the model runs when an action runs.
   *
   * @throws dev.ember.executor.errors.EmberException on the driver, before any task: IO_ERROR for
   *     a missing model, MODEL_INVALID, MODEL_UNSUPPORTED for a graph that cannot be batched,
   *     BAD_INPUT for a missing column, an unmapped graph input or a type that does not convert
   */
  public Dataset<Row> transform(Dataset<Row> df) {
    Plan plan = plan(df.sparkSession(), df.schema(), null);
    return df.mapPartitions(plan.fn(), Encoders.row(plan.schema()));
  }

  /**
   * What {@link #transform} runs over rows of {@code schema}: the partition function and the
   * schema it gives (the input columns, then the output columns). With {@code signature} null the
   * model is read now.
   */
  Plan plan(SparkSession spark, StructType schema, ModelSignature signature) {
    EmberConf conf = EmberConf.from(spark.sparkContext().getConf())
        .withSessionConf(scala.collection.JavaConverters.mapAsJavaMap(spark.conf().getAll()));
    ModelSignature sig = signature != null ? signature : signatureOf(spark, model);
    List<InputBinding> in = Bindings.inputs(model, sig, schema, inputs, allowNarrowing, text);
    if (!text.isEmpty()) {
      ModelChecks.checkFilesExist(ModelSpec.parse(model),
          spark.sparkContext().hadoopConfiguration());
    }
    List<OutputBinding> out = Bindings.outputs(model, sig, schema, outputs, argmax);
    StructType result = schema;
    for (OutputBinding o : out) {
      result = result.add(new StructField(o.column(), o.type(), true, Metadata.empty()));
    }
    PredictPartitions fn = new PredictPartitions(model, EngineSettings.from(conf),
        batchSize != null ? batchSize : conf.get(EmberConf.BATCH_SIZE), in, out,
        text.stream().mapToInt(c -> Arrays.asList(schema.fieldNames()).indexOf(c)).toArray(),
        sig.inputs().size());
    return new Plan(fn, result);
  }

  /** The partition function of a predict call and the schema of the rows it gives. */
  record Plan(PredictPartitions fn, StructType schema) {}

  /** Reads the signature of the model {@code spec} names, on the driver. */
  public static ModelSignature signatureOf(SparkSession spark, String spec) {
    ModelSpec parsed = ModelSpec.parse(spec);
    HadoopModelFiles files = new HadoopModelFiles(spark.sparkContext().hadoopConfiguration());
    String name = parsed.isBuiltin() ? parsed.spec() : parsed.modelLocation();
    return ModelSignature.of(OnnxLoader.load(SpecFiles.readModel(parsed, files), name).graph());
  }

  @Override
  public String toString() {
    return "EmberPredict(" + model + ", inputs=" + inputs + ", outputs=" + outputs + ", argmax="
        + argmax + ", text=" + text + ", batchSize=" + batchSize + ", allowNarrowing="
        + allowNarrowing + ")";
  }
}
