package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.predict.RunStats;
import dev.ember.spark.ExecutorModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.junit.jupiter.api.io.TempDir;

/** ember_predict and ember_embed from SQL, planned into batches by EmberExtensions. */
class EmberSqlTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String classifier;
  static final int BATCH = 32;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start(Map.of("spark.sql.extensions", "dev.ember.spark.EmberExtensions",
        "spark.ember.batchSize", Integer.toString(BATCH)));
    classifier = PredictModels.classifier(dir).toString();
    EmberPredictSparkTest.spark = spark;
    EmberPredictSparkTest.features().createOrReplaceTempView("features");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void predictRunsInBatchesAndMatchesTheModel() {
    long batchesBefore = ExecutorModels.sumRunStats(RunStats::batches);
    long rowsBefore = ExecutorModels.sumRunStats(RunStats::rows);
    Dataset<Row> df = spark.sql("SELECT id, a, b, c, ember_predict('" + classifier
        + "', a, b, c) AS r FROM features");
    String plan = df.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("EmberBatchEval ember_predict"), plan);
    List<Row> out = df.collectAsList();
    assertEquals(1000, out.size(), "rows in = rows out");
    int nulls = 0;
    for (Row row : out) {
      if (row.isNullAt(2)) {
        assertNull(row.get(4), "null input, null struct");
        nulls++;
        continue;
      }
      Row r = row.getStruct(4);
      double[] x = {row.getFloat(1), row.getFloat(2), row.getFloat(3)};
      double[] want = PredictModels.softmax(PredictModels.logits(x));
      List<Float> probs = r.getList(r.fieldIndex("probs"));
      for (int j = 0; j < 4; j++) {
        assertEquals(want[j], probs.get(j), 1e-5, "row " + row.getLong(0));
      }
    }
    long rows = ExecutorModels.sumRunStats(RunStats::rows) - rowsBefore;
    long calls = ExecutorModels.sumRunStats(RunStats::batches) - batchesBefore;
    int partitions = 4;
    assertEquals(1000 - nulls, rows, "every non-null row ran once");
    assertTrue(calls <= rows / BATCH + partitions, calls + " model calls for " + rows + " rows");
  }

  /** The class PredictModels' classifier gives a features row, or -1 for a row with a null. */
  private static int expectedClass(Row row) {
    if (row.isNullAt(2)) {
      return -1;
    }
    double[] p = PredictModels.softmax(PredictModels.logits(
        new double[] {row.getFloat(1), row.getFloat(2), row.getFloat(3)}));
    int best = 0;
    for (int j = 1; j < p.length; j++) {
      best = p[j] > p[best] ? j : best;
    }
    return best;
  }

  @Test
  void callsInWhereOrderByAndGroupByRunInBatchesToo() {
    List<Row> features = spark.table("features").collectAsList();
    String call = "ember_predict('" + classifier + "', a, b, c)";
    String top = "array_position(" + call + ".probs, array_max(" + call + ".probs)) - 1";

    long batchesBefore = ExecutorModels.sumRunStats(RunStats::batches);
    Dataset<Row> where = spark.sql("SELECT id FROM features WHERE " + top + " = 2");
    String plan = where.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("EmberBatchEval ember_predict"), plan);
    long wantWhere = features.stream().filter(r -> expectedClass(r) == 2).count();
    assertTrue(wantWhere > 0, "the classifier predicts class 2 for some rows");
    assertEquals(wantWhere, where.count(), "rows whose predicted class is 2");
    assertTrue(ExecutorModels.sumRunStats(RunStats::batches) - batchesBefore
        <= 1000 / BATCH + 4, "the filter's calls ran in batches");

    Map<Integer, Long> wantGroups = new HashMap<>();
    for (Row r : features) {
      wantGroups.merge(expectedClass(r), 1L, Long::sum);
    }
    Map<Integer, Long> groups = new HashMap<>();
    for (Row r : spark.sql("SELECT " + top + " AS k, count(*) FROM features GROUP BY 1")
        .collectAsList()) {
      groups.put(r.isNullAt(0) ? -1 : (int) r.getLong(0), r.getLong(1));
    }
    assertEquals(wantGroups, groups, "row counts per predicted class (-1: null input)");

    List<Long> wantOrder = features.stream().filter(r -> !r.isNullAt(2))
        .sorted(java.util.Comparator.comparingDouble((Row r) -> -PredictModels.softmax(
            PredictModels.logits(new double[] {r.getFloat(1), r.getFloat(2), r.getFloat(3)}))[0]))
        .limit(5).map(r -> r.getLong(0)).toList();
    List<Long> order = spark.sql("SELECT id FROM features WHERE b IS NOT NULL ORDER BY "
        + call + ".probs[0] DESC LIMIT 5").collectAsList().stream().map(r -> r.getLong(0))
        .toList();
    assertEquals(wantOrder, order, "the five rows most likely of class 0");
  }

  @Test
  void limitAndFieldAccessWork() {
    List<Row> out = spark.sql("SELECT ember_predict('" + classifier + "', a, b, c).logits AS l"
        + " FROM features WHERE b IS NOT NULL LIMIT 3").collectAsList();
    assertEquals(3, out.size());
    assertEquals(4, out.get(0).getList(0).size());
  }

  @Test
  void sqlEmbedAgreesWithTheDataFrameApi() {
    List<String> texts = Corpus.lines(500);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType);
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
    df.createOrReplaceTempView("texts");
    Map<Long, List<Float>> api = new HashMap<>();
    for (Row r : TextEmbeddings.of("text").transform(df).collectAsList()) {
      api.put(r.getLong(0), r.getList(2));
    }
    List<Row> sql = spark.sql("SELECT id, ember_embed(text) FROM texts").collectAsList();
    assertEquals(texts.size(), sql.size());
    double minCos = 1;
    for (Row r : sql) {
      List<Float> a = api.get(r.getLong(0));
      List<Float> b = r.getList(1);
      double dot = 0;
      for (int i = 0; i < a.size(); i++) {
        dot += a.get(i) * b.get(i);
      }
      minCos = Math.min(minCos, dot);
    }
    assertTrue(minCos >= 0.9999, "min cosine " + minCos);
  }

  @Test
  void badCallsFailAtAnalysisWithTheirCode() {
    EmberException missing = assertThrows(EmberException.class,
        () -> spark.sql("SELECT ember_predict('" + dir.resolve("none.onnx") + "', a, b, c)"
            + " FROM features"));
    assertEquals(ErrorCode.IO_ERROR, missing.code());
    EmberException type = assertThrows(EmberException.class,
        () -> spark.sql("SELECT ember_predict('" + classifier + "', cast(a as double), b, c)"
            + " FROM features"));
    assertEquals(ErrorCode.BAD_INPUT, type.code());
    assertTrue(type.getMessage().contains("CAST") || type.getMessage().contains("cast"),
        type.getMessage());
    EmberException notText = assertThrows(EmberException.class,
        () -> spark.sql("SELECT ember_embed(a) FROM features"));
    assertEquals(ErrorCode.BAD_INPUT, notText.code());
  }
}
