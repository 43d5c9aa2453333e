package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The predict UDF on local[2] with the plugin on: any model, typed inputs, nulls, errors. */
class EmberPredictSparkTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String classifier;
  static String sequence;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start(Map.of());
    classifier = PredictModels.classifier(dir).toString();
    sequence = PredictModels.sequence(dir).toString();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** 1,000 rows of three float columns; every 97th row has a null. */
  static Dataset<Row> features() {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Float b = i % 97 == 5 ? null : r.nextFloat() * 4 - 2;
      rows.add(RowFactory.create((long) i, r.nextFloat() * 4 - 2, b, r.nextFloat() * 4 - 2));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("a", DataTypes.FloatType).add("b", DataTypes.FloatType).add("c", DataTypes.FloatType);
    return spark.createDataFrame(rows, schema).repartition(4);
  }

  @Test
  void scalarColumnsStackIntoOneInputAndEveryRowComesOut() {
    Dataset<Row> in = features();
    List<Row> out = EmberPredict.model(classifier).input("x", "a", "b", "c")
        .output("probs", "p").argmax("probs", "label").batchSize(64)
        .transform(in).orderBy("id").collectAsList();
    assertEquals(1000, out.size(), "rows in = rows out");
    int nulls = 0;
    for (Row row : out) {
      assertEquals(6, row.length(), "input columns kept, two added");
      if (row.isNullAt(2)) {
        assertNull(row.get(4), "a null input gives null outputs");
        assertNull(row.get(5));
        nulls++;
        continue;
      }
      double[] x = {row.getFloat(1), row.getFloat(2), row.getFloat(3)};
      double[] want = PredictModels.softmax(PredictModels.logits(x));
      List<Float> got = row.getList(4);
      int best = 0;
      for (int j = 0; j < 4; j++) {
        assertEquals(want[j], got.get(j), 1e-5, "row " + row.getLong(0) + " class " + j);
        best = want[j] > want[best] ? j : best;
      }
      assertEquals(best, row.getInt(5), "argmax of row " + row.getLong(0));
    }
    assertEquals(11, nulls);
  }

  @Test
  void arrayColumnOfDoublesNeedsNarrowingAllowed() {
    Dataset<Row> arrays = features().na().drop()
        .selectExpr("id", "array(cast(a as double), cast(b as double), cast(c as double)) as v");
    EmberException e = assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("x", "v").transform(arrays));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("'v'") && e.getMessage().contains("float"), e.getMessage());
    List<Row> out = EmberPredict.model(classifier).input("x", "v").allowNarrowing(true)
        .transform(arrays).collectAsList();
    assertEquals(arrays.count(), out.size());
    for (Row row : out) {
      List<Double> v = row.getList(1);
      double[] want = PredictModels.logits(v.stream().mapToDouble(Double::doubleValue).toArray());
      List<Float> logits = row.getList(2);
      for (int j = 0; j < 4; j++) {
        assertEquals(want[j], logits.get(j), 1e-5, "logit " + j);
      }
      assertEquals(4, row.getList(3).size(), "every output by its own name");
    }
  }

  @Test
  void denseAndSparseMlVectorsFeedTheModelAlike() {
    List<Row> rows = new ArrayList<>();
    Random r = new Random(11);
    double[][] xs = new double[200][];
    for (int i = 0; i < xs.length; i++) {
      // Every third row has zeros, so its sparse form stores fewer than three values.
      xs[i] = new double[] {i % 3 == 0 ? 0 : r.nextGaussian(), r.nextGaussian(),
          i % 3 == 0 ? 0 : r.nextGaussian()};
      org.apache.spark.ml.linalg.Vector v = org.apache.spark.ml.linalg.Vectors.dense(xs[i]);
      rows.add(RowFactory.create((long) i, i % 41 == 7 ? null : i % 2 == 0 ? v : v.toSparse()));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("v", new org.apache.spark.ml.linalg.VectorUDT());
    Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(3);
    EmberException lossy = assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("x", "v").transform(in));
    assertEquals(ErrorCode.BAD_INPUT, lossy.code(), "double vectors into a float input");
    List<Row> out = EmberPredict.model(classifier).input("x", "v").output("logits", "l")
        .allowNarrowing(true).transform(in).collectAsList();
    assertEquals(xs.length, out.size(), "rows in = rows out");
    int sparse = 0;
    for (Row row : out) {
      int i = (int) row.getLong(0);
      if (row.isNullAt(1)) {
        assertNull(row.get(2), "a null vector gives null outputs");
        continue;
      }
      sparse += row.get(1) instanceof org.apache.spark.ml.linalg.SparseVector ? 1 : 0;
      double[] want = PredictModels.logits(xs[i]);
      List<Float> got = row.getList(2);
      for (int j = 0; j < 4; j++) {
        assertEquals(want[j], got.get(j), 1e-5, "row " + i + " logit " + j);
      }
    }
    assertTrue(sparse > 50, "sparse vectors were fed: " + sparse);
  }

  @Test
  void sequenceInputsArePaddedAndOutputsCroppedPerRow() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int[] ids = new int[1 + (i * 7) % 40];
      for (int k = 0; k < ids.length; k++) {
        ids[k] = i + k;
      }
      rows.add(RowFactory.create((long) i, i % 50 == 3 ? null : ids));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
    Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(3);
    List<Row> out = EmberPredict.model(sequence).input("ids", "ids").batchSize(16)
        .transform(in).collectAsList();
    assertEquals(300, out.size());
    for (Row row : out) {
      if (row.isNullAt(1)) {
        assertNull(row.get(2));
        assertNull(row.get(3));
        continue;
      }
      long[] ids = row.getList(1).stream().mapToLong(o -> ((Integer) o).longValue()).toArray();
      long[] doubled = row.getList(2).stream().mapToLong(o -> (Long) o).toArray();
      assertArrayEquals(Arrays.stream(ids).map(v -> 2 * v).toArray(), doubled,
          "row " + row.getLong(0) + " cropped to its own length");
      assertEquals(Arrays.stream(ids).sum(), row.getLong(3));
    }
  }

  @Test
  void wrongArrayLengthFailsTheTaskNamingTheColumn() {
    Dataset<Row> bad = spark.createDataFrame(
        List.of(RowFactory.create((Object) new float[] {1f, 2f})),
        new StructType().add("v", DataTypes.createArrayType(DataTypes.FloatType)));
    Exception e = assertThrows(Exception.class,
        () -> EmberPredict.model(classifier).input("x", "v").transform(bad).collectAsList());
    String all = String.valueOf(e.getMessage()) + e.getCause();
    assertTrue(all.contains("BAD_INPUT") && all.contains("'v' holds 2 values"), all);
  }

  @Test
  void badRequestsFailOnTheDriverWithTheirCode() throws Exception {
    Dataset<Row> in = features();
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).transform(in)).code(), "graph input left unmapped");
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("x", "a", "nope", "c").transform(in)).code());
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("x", "a", "b").transform(in)).code(),
        "two columns for a width-3 input");
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("y", "a").transform(in)).code());
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> EmberPredict.model(classifier).input("x", "a", "b", "c").output("probs", "id")
            .transform(in)).code(), "output column clashes");
    EmberException missing = assertThrows(EmberException.class,
        () -> EmberPredict.model(dir.resolve("none.onnx").toString()).input("x", "a")
            .transform(in));
    assertEquals(ErrorCode.IO_ERROR, missing.code());
    Path fixed = dir.resolve("fixed.onnx");
    Files.write(fixed, TestModels.mlp().toByteArray());
    EmberException notBatchable = assertThrows(EmberException.class,
        () -> EmberPredict.model(fixed.toString()).input("x", "a").transform(in));
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, notBatchable.code());
    assertTrue(notBatchable.getMessage().contains("'x'"), notBatchable.getMessage());
  }

  @Test
  void aTextColumnFeedsTheRawEncoderThroughItsTokenizerAndMatchesOnnxRuntime() throws Exception {
    List<String> texts = new ArrayList<>(Corpus.lines(120));
    texts.set(7, null);
    texts.set(8, "   ");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    Dataset<Row> in = spark.createDataFrame(rows, new StructType()
        .add("id", DataTypes.LongType, false).add("text", DataTypes.StringType)).repartition(2);
    List<Row> out = EmberPredict.model("builtin:all-minilm-l6-v2").text("text")
        .output("last_hidden_state", "states").batchSize(16).transform(in).collectAsList();
    assertEquals(texts.size(), out.size());
    double worst = 0;
    try (ReferenceEmbeddings ort = new ReferenceEmbeddings()) {
      for (Row row : out) {
        String text = texts.get((int) row.getLong(0));
        if (text == null || text.isBlank()) {
          assertNull(row.get(2), "null or blank text, null states");
          continue;
        }
        float[][] want = ort.hidden(text);
        List<Object> got = row.getList(2);
        assertEquals(want.length, got.size(), "one state per token of row " + row.getLong(0));
        for (int t = 0; t < want.length; t++) {
          @SuppressWarnings("unchecked")
          List<Float> v = scala.collection.JavaConverters.seqAsJavaList(
              (scala.collection.Seq<Float>) got.get(t));
          for (int k = 0; k < want[t].length; k++) {
            worst = Math.max(worst, Math.abs(want[t][k] - v.get(k)));
          }
        }
      }
    }
    assertTrue(worst < 2e-4, "max |Ember - ORT| on last_hidden_state = " + worst);
  }
}
