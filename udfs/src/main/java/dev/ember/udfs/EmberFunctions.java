package dev.ember.udfs;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Ember's SQL functions as DataFrame columns: the same expressions as {@code ember_predict} and
 * {@code ember_embed} in SQL, so they plan the same way (batch node, or RAPIDS UDFs under the
 * RAPIDS Accelerator). Needs {@code spark.sql.extensions=dev.ember.spark.EmberExtensions}.
 *
 * <pre>{@code
 * df.select(col("id"), EmberFunctions.predict("/models/wine.onnx", col("a"), col("b")).as("p"));
 * df.withColumn("embedding", EmberFunctions.embed(col("text")));
 * }</pre>
 */
public final class EmberFunctions {
  private EmberFunctions() {}

  /**
   * {@code ember_predict(model, args...)}: a struct of the model's outputs.
   *
   * @throws dev.ember.executor.errors.EmberException BAD_INPUT when the active session lacks
   *     Ember's SQL extension
   */
  public static Column predict(String model, Column... args) {
    List<Column> all = new ArrayList<>();
    all.add(functions.lit(model));
    all.addAll(List.of(args));
    return call("ember_predict", all);
  }

  /** {@code ember_embed(text)}: the sentence embedding of {@code spark.ember.models}' first. */
  public static Column embed(Column text) {
    return call("ember_embed", List.of(text));
  }

  /** {@code ember_embed(text, model)}. */
  public static Column embed(Column text, String model) {
    return call("ember_embed", List.of(text, functions.lit(model)));
  }

  private static Column call(String function, List<Column> args) {
    SparkSession spark = SparkSession.active();
    if (!spark.catalog().functionExists(function)) {
      throw Errors.of(ErrorCode.BAD_INPUT, "the active Spark session has no function " + function,
          "start it with --conf spark.sql.extensions=dev.ember.spark.EmberExtensions");
    }
    return functions.call_function(function, args.toArray(new Column[0]));
  }
}
