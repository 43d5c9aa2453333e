package dev.ember.udfs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nvidia.spark.RapidsUDF;
import dev.ember.spark.sql.EmberRowFunction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code spark.ember.sql.rapids=on} (here without the RAPIDS plugin, whose GPU side needs a
 * device), ember_predict and ember_embed are ScalaUDFs whose functions implement RapidsUDF where
 * the columnar path takes their argument types; their CPU path gives the batch node's results.
 * The explainOnly run against the real plugin is RapidsExplainTest.
 */
class RapidsModeSqlTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String classifier;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start(Map.of("spark.sql.extensions", "dev.ember.spark.EmberExtensions"));
    classifier = PredictModels.classifier(dir).toString();
    EmberPredictSparkTest.spark = spark;
    EmberPredictSparkTest.features().createOrReplaceTempView("features");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<Row> run(String mode, String sql, Class<?> wantFunction) {
    spark.conf().set("spark.ember.sql.rapids", mode);
    try {
      Dataset<Row> df = spark.sql(sql);
      String plan = df.queryExecution().executedPlan().toString();
      List<ScalaUDF> udfs = udfsOf(df);
      if (wantFunction == null) {
        assertTrue(plan.contains("EmberBatchEval"), plan);
        assertTrue(udfs.isEmpty(), plan);
      } else {
        assertFalse(plan.contains("EmberBatchEval"), plan);
        assertFalse(udfs.isEmpty(), plan);
        for (ScalaUDF u : udfs) {
          assertEquals(wantFunction, u.function().getClass(), plan);
        }
      }
      return df.collectAsList();
    } finally {
      spark.conf().unset("spark.ember.sql.rapids");
    }
  }

  private static List<ScalaUDF> udfsOf(Dataset<Row> df) {
    List<ScalaUDF> out = new ArrayList<>();
    df.queryExecution().optimizedPlan().foreach(node -> {
      node.expressions().foreach(e -> {
        e.foreach(x -> {
          if (x instanceof ScalaUDF u) {
            out.add(u);
          }
          return null;
        });
        return null;
      });
      return null;
    });
    return out;
  }

  @Test
  void predictAsARapidsUdfGivesTheBatchNodesResults() {
    String sql = "SELECT id, ember_predict('" + classifier + "', a, b, c) AS r,"
        + " ember_predict('" + classifier + "', array(a, b, c)) AS r2 FROM features"
        + " WHERE id < 300 ORDER BY id";
    List<Row> batch = run("off", sql, null);
    List<Row> udf = run("on", sql, dev.ember.spark.sql.EmberRapidsFunction.class);
    assertInstanceOf(RapidsUDF.class, new dev.ember.spark.sql.EmberRapidsFunction(null, false));
    assertEquals(batch.size(), udf.size(), "every row comes out");
    int nulls = 0;
    for (int i = 0; i < batch.size(); i++) {
      Row want = batch.get(i);
      Row got = udf.get(i);
      assertEquals(want.getLong(0), got.getLong(0));
      for (int col = 1; col <= 2; col++) {
        if (want.isNullAt(col)) {
          assertNull(got.get(col), "null input row " + want.getLong(0) + " stays null");
          nulls++;
          continue;
        }
        List<Float> a = want.getStruct(col).getList(1);
        List<Float> b = got.getStruct(col).getList(1);
        for (int j = 0; j < a.size(); j++) {
          assertEquals(a.get(j), b.get(j), 1e-6, "row " + want.getLong(0));
        }
      }
    }
    assertTrue(nulls > 0, "the fixture has null inputs");
  }

  @Test
  void theDataFrameColumnsPlanAsRapidsUdfsToo() {
    spark.conf().set("spark.ember.sql.rapids", "on");
    try {
      Dataset<Row> df = spark.table("features").where("id < 50").select(col("id"),
          EmberFunctions.predict(classifier, col("a"), col("b"), col("c")).as("r"));
      List<ScalaUDF> udfs = udfsOf(df);
      assertEquals(1, udfs.size(), df.queryExecution().optimizedPlan().toString());
      assertEquals(dev.ember.spark.sql.EmberRapidsFunction.class,
          udfs.get(0).function().getClass());
      Map<Long, Row> sql = new HashMap<>();
      for (Row r : spark.sql("SELECT id, ember_predict('" + classifier + "', a, b, c) AS r"
          + " FROM features WHERE id < 50").collectAsList()) {
        sql.put(r.getLong(0), r);
      }
      List<Row> api = df.collectAsList();
      assertEquals(50, api.size());
      for (Row r : api) {
        assertEquals(sql.get(r.getLong(0)).get(1), r.get(1), "row " + r.getLong(0));
      }
    } finally {
      spark.conf().unset("spark.ember.sql.rapids");
    }
  }

  @Test
  void autoKeepsTheBatchNodeWithoutTheRapidsPlugin() {
    // this session's spark.plugins lists Ember's plugin only
    List<Row> rows = run("auto", "SELECT ember_predict('" + classifier + "', a, b, c) AS r"
        + " FROM features WHERE b IS NOT NULL LIMIT 5", null);
    assertEquals(5, rows.size());
  }

  @Test
  void argumentTypesTheColumnarPathDoesNotReadKeepAPlainRowFunction() {
    String sql = "SELECT id, ember_predict('" + classifier + "', array(array(a, b, c))) AS r"
        + " FROM features WHERE b IS NOT NULL ORDER BY id LIMIT 20";
    List<Row> rows = run("on", sql, EmberRowFunction.class);
    assertEquals(20, rows.size());
    assertEquals(4, rows.get(0).getStruct(1).getList(1).size());
  }

  @Test
  void embedAsARapidsUdfGivesTheDataFrameApisEmbeddings() {
    List<Row> rows = new ArrayList<>();
    List<String> texts = Corpus.lines(12);
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, i == 3 ? null : texts.get(i)));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType);
    // repartition: a local relation would be folded, UDF and all, on the driver
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
    df.createOrReplaceTempView("few_texts");
    Map<Long, List<Float>> api = new HashMap<>();
    for (Row r : TextEmbeddings.of("text").transform(df).collectAsList()) {
      api.put(r.getLong(0), r.isNullAt(2) ? null : r.getList(2));
    }
    List<Row> sql = run("on", "SELECT id, ember_embed(text) FROM few_texts",
        dev.ember.spark.sql.EmberRapidsFunction.class);
    assertEquals(texts.size(), sql.size());
    for (Row r : sql) {
      List<Float> want = api.get(r.getLong(0));
      if (want == null) {
        assertTrue(r.isNullAt(1), "null text, null embedding");
        continue;
      }
      List<Float> got = r.getList(1);
      double dot = 0;
      for (int i = 0; i < want.size(); i++) {
        dot += want.get(i) * got.get(i);
      }
      assertTrue(dot >= 0.9999, "row " + r.getLong(0) + " cosine " + dot);
    }
  }
}
