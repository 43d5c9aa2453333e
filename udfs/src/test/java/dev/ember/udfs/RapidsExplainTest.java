package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.MutableURLClassLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real RAPIDS Accelerator jar (surefire execution {@code rapids-explain}, its own
 * JVM, the stubs taken off the classpath): with the SQL plugin on in explainOnly mode, which
 * plans for the GPU without one, the plugin reports Ember's UDF expressions as able to run on the
 * GPU, and a call whose argument types the columnar path does not read as not, with the reason.
 * The query still runs (on the CPU) and gives the batch node's results. Only that execution sets
 * {@code ember.rapids.explain}; elsewhere the stubs stand in for the jar and this class skips.
 */
@EnabledIfSystemProperty(named = "ember.rapids.explain", matches = "true")
class RapidsExplainTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String classifier;

  @BeforeAll
  static void start() throws Exception {
    try {
      Class.forName("com.nvidia.spark.SQLPlugin");
    } catch (ClassNotFoundException e) {
      fail("the RAPIDS Accelerator jar is not on the test classpath: fetch it with mvn"
          + " dependency:get -Dartifact=com.nvidia:rapids-4-spark_2.12:24.12.0"
          + " -Dtransitive=false (.ci/run does)");
    }
    // The plugin adds its Spark-version classes to a mutable class loader, which spark-submit's
    // --jars gives it; on the app class path (not a URLClassLoader on Java 17) give it one.
    Thread.currentThread().setContextClassLoader(
        new MutableURLClassLoader(new URL[0], RapidsExplainTest.class.getClassLoader()));
    spark = LocalSpark.start(Map.of(
        "spark.plugins", "dev.ember.spark.EmberPlugin,com.nvidia.spark.SQLPlugin",
        "spark.sql.extensions", "dev.ember.spark.EmberExtensions",
        // Without these two the plugin exits the JVM on a machine with no GPU.
        "spark.rapids.sql.mode", "explainOnly",
        "spark.rapids.skipGpuArchitectureCheck", "true",
        "spark.kryo.registrationRequired", "false"));
    classifier = PredictModels.classifier(dir).toString();
    spark.range(0, 2000).selectExpr("id",
        "cast(rand(1) * 4 - 2 as float) AS a",
        "IF(id % 97 = 5, NULL, cast(rand(2) * 4 - 2 as float)) AS b",
        "cast(rand(3) * 4 - 2 as float) AS c",
        "concat('note number ', id, ' about the weather') AS text")
        .createOrReplaceTempView("rapids_features");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** The plugin's report of what would run on the GPU (its API is not in the stubs). */
  private static String explain(Dataset<Row> df) {
    try {
      return (String) Class.forName("com.nvidia.spark.rapids.ExplainPlan")
          .getMethod("explainPotentialGpuPlan", Dataset.class, String.class)
          .invoke(null, df, "ALL");
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("RAPIDS ExplainPlan.explainPotentialGpuPlan failed", e);
    }
  }

  /** The explain line of the ScalaUDF expression named {@code function}. */
  private static String udfLine(String explain, String function) {
    for (String line : explain.split("\n")) {
      if (line.contains("<ScalaUDF>") && line.contains(function)) {
        return line.trim();
      }
    }
    throw new AssertionError("no ScalaUDF " + function + " in the RAPIDS explain output:\n"
        + explain);
  }

  @Test
  void predictAndEmbedAreReportedAsRunningOnTheGpu() {
    Dataset<Row> df = spark.sql("SELECT id, ember_predict('" + classifier + "', a, b, c) AS r,"
        + " ember_predict('" + classifier + "', array(a, b, c)) AS r2,"
        + " ember_embed(text) AS e FROM rapids_features");
    String explain = explain(df);
    String predict = udfLine(explain, "ember_predict");
    assertTrue(predict.startsWith("*Expression") && predict.contains("will run on GPU"), explain);
    String embed = udfLine(explain, "ember_embed");
    assertTrue(embed.startsWith("*Expression") && embed.contains("will run on GPU"), explain);
    // nothing else in the plan falls back either: no GPU-CPU-GPU round trip for the projection
    assertTrue(!explain.contains("cannot run on GPU"), explain);
  }

  @Test
  void autoFollowsSparkRapidsSqlEnabled() {
    String sql = "SELECT ember_predict('" + classifier + "', a, b, c) AS r FROM rapids_features";
    assertTrue(spark.sql(sql).queryExecution().optimizedPlan().toString()
        .contains("ember_predict(named_struct"), "plugin listed: a ScalaUDF");
    spark.conf().set("spark.rapids.sql.enabled", "false");
    try {
      String plan = spark.sql(sql).queryExecution().executedPlan().toString();
      assertTrue(plan.contains("EmberBatchEval ember_predict"), plan);
    } finally {
      spark.conf().unset("spark.rapids.sql.enabled");
    }
  }

  @Test
  void anArgumentTypeTheColumnarPathDoesNotReadIsReportedWithTheReason() {
    Dataset<Row> df = spark.sql("SELECT id, ember_predict('" + classifier + "',"
        + " array(array(a, b, c))) AS r FROM rapids_features");
    String line = udfLine(explain(df), "ember_predict");
    assertTrue(line.startsWith("!Expression") && line.contains("cannot run on GPU")
        && line.contains("EmberRowFunction") && line.contains("GPU implementation"), line);
  }

  @Test
  void explainOnlyRunsTheQueryOnTheCpuWithTheBatchNodesResults() {
    String sql = "SELECT id, ember_predict('" + classifier + "', a, b, c) AS r"
        + " FROM rapids_features WHERE id < 300 ORDER BY id";
    List<Row> udf = spark.sql(sql).collectAsList();
    spark.conf().set("spark.ember.sql.rapids", "off");
    List<Row> batch;
    try {
      batch = spark.sql(sql).collectAsList();
    } finally {
      spark.conf().unset("spark.ember.sql.rapids");
    }
    assertEquals(300, udf.size());
    assertEquals(batch.size(), udf.size());
    for (int i = 0; i < udf.size(); i++) {
      Row want = batch.get(i);
      Row got = udf.get(i);
      if (want.isNullAt(1)) {
        assertTrue(got.isNullAt(1), "row " + want.getLong(0) + ": null in, null out");
        continue;
      }
      List<Float> a = want.getStruct(1).getList(1);
      List<Float> b = got.getStruct(1).getList(1);
      for (int j = 0; j < a.size(); j++) {
        assertEquals(a.get(j), b.get(j), 1e-6, "row " + want.getLong(0));
      }
    }
  }
}
