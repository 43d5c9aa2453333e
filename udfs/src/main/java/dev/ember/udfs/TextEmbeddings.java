package dev.ember.udfs;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.text.ModelSpec;
import dev.ember.spark.EngineSettings;
import dev.ember.spark.ModelChecks;
import dev.ember.spark.conf.EmberConf;
import java.util.Arrays;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Adds a sentence-embedding column to a DataFrame, batch by batch within each partition, in the
 * style of Spark's {@code predict_batch_udf}. Every input row comes out once, in its original
 * order, with all its columns; null, empty or blank text gives a null embedding. The model is
 * loaded once per executor JVM and shared by all its tasks.
 *
 * <pre>{@code
 * Dataset<Row> out = TextEmbeddings.of("text")
 *     .outputCol("embedding")            // array<float>, 384 values for all-MiniLM-L6-v2
 *     .model("builtin:all-minilm-l6-v2")
 *     .batchSize(64)
 *     .transform(df);
 * }</pre>
 *
 * <p>Unset options take their {@code spark.ember.*} value from the session's configuration.
 * {@link #transform} checks the column, the model spec and the configuration on the driver and
 * fails before any task runs. Instances are immutable; setters return a copy.
 */
public final class TextEmbeddings implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final String inputCol;
  private final String outputCol;
  private final String model;
  private final Integer batchSize;
  private final Integer maxLength;

  private TextEmbeddings(
      String inputCol, String outputCol, String model, Integer batchSize, Integer maxLength) {
    this.inputCol = Objects.requireNonNull(inputCol, "inputCol");
    this.outputCol = Objects.requireNonNull(outputCol, "outputCol");
    this.model = model;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
  }

  /** Embeds the string column {@code inputCol} into a column named "embedding". */
  public static TextEmbeddings of(String inputCol) {
    return new TextEmbeddings(inputCol, "embedding", null, null, null);
  }

  public TextEmbeddings outputCol(String name) {
    return new TextEmbeddings(inputCol, name, model, batchSize, maxLength);
  }

  /** A model spec: {@code builtin:all-minilm-l6-v2}, a path or a Hadoop URI. */
  public TextEmbeddings model(String spec) {
    return new TextEmbeddings(inputCol, outputCol, spec, batchSize, maxLength);
  }

  /** Rows per model call (default {@code spark.ember.batchSize}). */
  public TextEmbeddings batchSize(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("TextEmbeddings: batchSize must be >= 1, was " + rows);
    }
    return new TextEmbeddings(inputCol, outputCol, model, rows, maxLength);
  }

  /** Tokens per text before truncation (default {@code spark.ember.text.maxLength}). */
  public TextEmbeddings maxLength(int tokens) {
    if (tokens < 1 || tokens > 512) {
      throw new IllegalArgumentException(
          "TextEmbeddings: maxLength must be in [1, 512], was " + tokens);
    }
    return new TextEmbeddings(inputCol, outputCol, model, batchSize, tokens);
  }

  /**
   * Returns {@code df} with the embedding column appended. Lazy, like any transformation: the
   * model runs when an action runs.
   *
   * @throws dev.ember.executor.errors.EmberException BAD_INPUT for a missing or non-string input
   *     column or an existing output column; IO_ERROR for missing model files; a configuration
   *     error naming the {@code spark.ember.*} key
   */
  public Dataset<Row> transform(Dataset<Row> df) {
    SparkSession spark = df.sparkSession();
    EmberConf conf = EmberConf.from(spark.sparkContext().getConf())
        .withSessionConf(scala.collection.JavaConverters.mapAsJavaMap(spark.conf().getAll()));
    StructType schema = df.schema();
    int index = inputIndex(schema);
    if (Arrays.asList(schema.fieldNames()).contains(outputCol)) {
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "output column '" + outputCol + "' already exists in " + Arrays.toString(
              schema.fieldNames()),
          "choose another name with outputCol(...) or drop the column first");
    }
    String spec = model != null ? model : conf.get(EmberConf.MODELS).get(0);
    ModelChecks.checkModel(ModelSpec.parse(spec), spark.sparkContext().hadoopConfiguration());
    EmbedPartitions fn =
        new EmbedPartitions(
            spec,
            maxLength != null
                ? EngineSettings.from(conf).withMaxLength(maxLength)
                : EngineSettings.from(conf),
            batchSize != null ? batchSize : conf.get(EmberConf.BATCH_SIZE),
            conf.get(EmberConf.SORT_BY_LENGTH),
            index);
    StructType out =
        schema.add(
            new StructField(
                outputCol,
                DataTypes.createArrayType(DataTypes.FloatType, false),
                true,
                org.apache.spark.sql.types.Metadata.empty()));
    return df.mapPartitions(fn, Encoders.row(out));
  }

  private int inputIndex(StructType schema) {
    String[] names = schema.fieldNames();
    int index = Arrays.asList(names).indexOf(inputCol);
    if (index < 0) {
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "text column '" + inputCol + "' does not exist; the columns are "
              + Arrays.toString(names),
          "pass one of the existing columns to TextEmbeddings.of(...)");
    }
    if (!schema.fields()[index].dataType().equals(DataTypes.StringType)) {
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "text column '" + inputCol + "' has type " + schema.fields()[index].dataType()
              .simpleString() + "; Ember embeds string columns",
          "cast it first: df.withColumn(\"" + inputCol + "\", col(\"" + inputCol
              + "\").cast(\"string\"))");
    }
    return index;
  }
}
