package dev.ember.udfs;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import dev.ember.executor.predict.TokenRows;
import dev.ember.executor.text.ModelSpec;
import dev.ember.spark.EngineSettings;
import dev.ember.spark.ModelChecks;
import dev.ember.spark.conf.EmberConf;
import dev.ember.udfs.predict.PredictPartitions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One SQL call of {@code ember_predict} or {@code ember_embed}, planned on the driver: the same
 * partition functions as the DataFrame API ({@link EmberPredict}, {@link TextEmbeddings}) over rows
 * holding just the call's arguments, so SQL runs in the same batches and captured variants. The
 * planner node (EmberBatchEvalExec) feeds it argument rows and reads back one result per row.
 */
public final class SqlCall implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Map<String, ModelSignature> SIGNATURES = new ConcurrentHashMap<>();

  private final MapPartitionsFunction<Row, Row> fn;
  private final int args;
  private final int results;
  private final DataType resultType;
  private final int[] argWidths;
  private final boolean deviceFeed;

  private SqlCall(MapPartitionsFunction<Row, Row> fn, int args, int results, DataType type,
      int[] argWidths, boolean deviceFeed) {
    this.fn = fn;
    this.args = args;
    this.results = results;
    this.resultType = type;
    this.argWidths = argWidths.clone();
    this.deviceFeed = deviceFeed;
  }

  /**
   * {@code ember_predict(model, arg, ...)}: one string argument to a transformer feeds its token
   * inputs through the model's tokenizer, and two string arguments feed them as a text pair
   * (rerankers: query, passage); otherwise a single-input graph takes every argument
   * (stacked scalars, or one array or vector), and other graphs one argument per graph input, in
   * the graph's order. The result is a struct with one field per graph output.
   */
  public static SqlCall predict(SparkSession spark, String model, StructType argSchema) {
    ModelSignature sig = SIGNATURES.computeIfAbsent(model,
        m -> EmberPredict.signatureOf(spark, m));
    List<Port> inputs = sig.inputs();
    List<String> names = Arrays.asList(argSchema.fieldNames());
    EmberConf conf = conf(spark);
    EmberPredict p = EmberPredict.model(model).allowNarrowing(
        conf.get(EmberConf.SQL_ALLOW_NARROWING));
    boolean allText = Arrays.stream(argSchema.fields())
        .allMatch(f -> f.dataType().equals(DataTypes.StringType));
    boolean textCall = allText && names.size() <= 2 && sig.input(TokenRows.INPUT_IDS).isPresent();
    if (textCall && names.size() == 1) {
      p = p.text(names.get(0)); // a transformer over text: its tokenizer feeds the token inputs
    } else if (textCall) {
      p = p.text(names.get(0), names.get(1));
    } else if (inputs.size() == 1) {
      p = p.input(inputs.get(0).name(), names.toArray(new String[0]));
    } else if (names.size() == inputs.size()) {
      for (int i = 0; i < names.size(); i++) {
        p = p.input(inputs.get(i).name(), names.get(i));
      }
    } else {
      throw Errors.of(ErrorCode.BAD_INPUT, "ember_predict('" + model + "', ...) got "
          + names.size() + " argument(s) after the model, but the model has " + inputs.size()
          + " inputs " + inputs.stream().map(Port::describe).toList(),
          "pass one argument per graph input, in that order");
    }
    EmberPredict.Plan plan = p.plan(spark, argSchema, sig);
    int[] widths = new int[names.size()];
    Arrays.fill(widths, -1);
    if (!textCall) {
      for (int i = 0; i < widths.length; i++) {
        Port fed = inputs.size() == 1 ? inputs.get(0) : inputs.get(i);
        boolean array = argSchema.fields()[i].dataType() instanceof ArrayType;
        widths[i] = array ? fed.fixedRowSize() : -1;
      }
    }
    StructType all = plan.schema();
    List<StructField> outs = new ArrayList<>(
        Arrays.asList(all.fields()).subList(argSchema.size(), all.size()));
    return new SqlCall(plan.fn(), argSchema.size(), outs.size(),
        DataTypes.createStructType(outs), widths,
        conf.get(EmberConf.SQL_RAPIDS_DEVICE_FEED));
  }

  /** {@code ember_embed(text [, model])}: the sentence embedding of a string, array of floats. */
  public static SqlCall embed(SparkSession spark, String model, StructType argSchema) {
    if (argSchema.size() != 1 || !argSchema.fields()[0].dataType().equals(DataTypes.StringType)) {
      throw Errors.of(ErrorCode.BAD_INPUT, "ember_embed takes one string argument (and a model),"
          + " but got " + argSchema.simpleString(), "call ember_embed(text_column) or"
          + " ember_embed(text_column, 'builtin:all-minilm-l6-v2'); cast other types to string");
    }
    EmberConf conf = conf(spark);
    String spec = model != null ? model : conf.get(EmberConf.MODELS).get(0);
    ModelChecks.checkModel(ModelSpec.parse(spec), spark.sparkContext().hadoopConfiguration());
    EmbedPartitions fn = new EmbedPartitions(spec, EngineSettings.from(conf),
        conf.get(EmberConf.BATCH_SIZE), conf.get(EmberConf.SORT_BY_LENGTH), 0);
    return new SqlCall(fn, 1, 1, DataTypes.createArrayType(DataTypes.FloatType, false),
        new int[] {-1}, conf.get(EmberConf.SQL_RAPIDS_DEVICE_FEED));
  }

  /**
   * The partition function of an {@code ember_predict} call, which the RAPIDS columnar path reads
   * its model and bindings from; empty for {@code ember_embed}.
   */
  public Optional<PredictPartitions> predictFunction() {
    return fn instanceof PredictPartitions p ? Optional.of(p) : Optional.empty();
  }

  /** Whether the RAPIDS device feed may take this call's batches (sql.rapids.deviceFeed). */
  public boolean deviceFeed() {
    return deviceFeed;
  }

  /** How many arguments the call takes after the model. */
  public int argCount() {
    return args;
  }

  /**
   * Elements per row that array argument {@code i} must hold (its graph input's fixed row size),
   * or -1 for a scalar, text or sequence argument, whose rows may differ.
   */
  public int argWidth(int i) {
    return argWidths[i];
  }

  /** The SQL type of the call's value. */
  public DataType resultType() {
    return resultType;
  }

  /**
   * The call's value for each row of arguments, in order: a struct row of the outputs for
   * predict, the embedding for embed (null where the inputs were null).
   */
  public Iterator<Object> results(Iterator<Row> argRows) throws Exception {
    Iterator<Row> rows = fn.call(argRows);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Object next() {
        Row r = rows.next();
        if (results == 1 && !(resultType instanceof StructType)) {
          return r.get(args);
        }
        Object[] values = new Object[results];
        boolean allNull = true;
        for (int i = 0; i < results; i++) {
          values[i] = r.get(args + i);
          allNull &= values[i] == null;
        }
        return allNull ? null : RowFactory.create(values);
      }
    };
  }

  /** Forgets the model signatures read so far (a model file replaced under the same name). */
  public static void clearSignatures() {
    SIGNATURES.clear();
  }

  /** Ember's settings as {@code spark} sees them (its session keys over the cluster's). */
  public static EmberConf conf(SparkSession spark) {
    return EmberConf.from(spark.sparkContext().getConf())
        .withSessionConf(scala.collection.JavaConverters.mapAsJavaMap(spark.conf().getAll()));
  }
}
