package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input fails on the driver, before any task, with a message that says what to do. */
class TextEmbeddingsErrorsTest {
  static SparkSession spark;
  static Dataset<Row> df;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start(Map.of());
    StructType schema =
        new StructType().add("id", DataTypes.IntegerType).add("body", DataTypes.StringType);
    df = spark.createDataFrame(List.of(RowFactory.create(1, "hello")), schema);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void missingColumnNamesItAndListsTheColumns() {
    EmberException e =
        assertThrows(EmberException.class, () -> TextEmbeddings.of("text").transform(df));
    assertTrue(e.getMessage().contains("'text' does not exist"), e.getMessage());
    assertTrue(e.getMessage().contains("[id, body]"), e.getMessage());
  }

  @Test
  void nonStringColumnIsRefusedWithACastHint() {
    EmberException e =
        assertThrows(EmberException.class, () -> TextEmbeddings.of("id").transform(df));
    assertTrue(e.getMessage().contains("has type int"), e.getMessage());
    assertTrue(e.getMessage().contains("cast"), e.getMessage());
  }

  @Test
  void unknownBuiltinListsTheBuiltins() {
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> TextEmbeddings.of("body").model("builtin:nope").transform(df));
    assertTrue(e.getMessage().contains("all-minilm-l6-v2"), e.getMessage());
  }

  @Test
  void missingModelFileIsNamed() {
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> TextEmbeddings.of("body").model("/no/such/model.onnx").transform(df));
    assertTrue(e.code() == ErrorCode.IO_ERROR, e.getMessage());
    assertTrue(e.getMessage().contains("/no/such/model.onnx"), e.getMessage());
  }

  @Test
  void badConfValueNamesTheKey() {
    spark.conf().set("spark.ember.batchSize", "0");
    try {
      EmberException e =
          assertThrows(EmberException.class, () -> TextEmbeddings.of("body").transform(df));
      assertTrue(e.getMessage().contains("spark.ember.batchSize"), e.getMessage());
      assertTrue(e.getMessage().contains("'0'"), e.getMessage());
    } finally {
      spark.conf().unset("spark.ember.batchSize");
    }
  }
}
