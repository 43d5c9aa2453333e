package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.rapids.cudf.DType;
import ai.rapids.cudf.HostColumnVector;
import ai.rapids.cudf.HostColumnVectorCore;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.udfs.rapids.ColumnarCall;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
 * The query still runs (on the CPU) and gives the batch node's results. The columnar path runs
 * too, but for its two copies, on cudf's real host columns (no GPU needed for those): struct,
 * list and string arguments in, result columns out. Only that execution sets
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
      fail("the RAPIDS Accelerator jar is not on the test classpath: fetch it, outside the"
          + " checkout, with mvn org.apache.maven.plugins:maven-dependency-plugin:2.8:get"
          + " -Dartifact=com.nvidia:rapids-4-spark_2.12:24.12.0 -Dtransitive=false"
          + " (.ci/run does)");
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
  void theColumnarPathOnCudfHostColumnsMatchesTheModel() {
    int n = 200;
    Random random = new Random(11);
    float[][] x = new float[n][3];
    HostColumnVector.DataType f32 = new HostColumnVector.BasicType(true, DType.FLOAT32);
    List<HostColumnVector.StructData> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 3; j++) {
        x[i][j] = random.nextFloat() * 4 - 2;
      }
      Object b = i % 13 == 4 ? null : x[i][1];
      rows.add(new HostColumnVector.StructData(Arrays.asList(x[i][0], b, x[i][2])));
    }
    StructType args = new StructType().add("_0", DataTypes.FloatType)
        .add("_1", DataTypes.FloatType).add("_2", DataTypes.FloatType);
    SqlCall call = SqlCall.predict(spark, classifier, args);
    try (HostColumnVector in = HostColumnVector.fromStructs(
            new HostColumnVector.StructType(true, List.of(f32, f32, f32)), rows);
        HostColumnVector out = ColumnarCall.evaluateHost(call, true, n, in)) {
      assertEquals(n, out.getRowCount(), "every row comes out");
      HostColumnVectorCore probs = out.getChildColumnView(1);
      for (int i = 0; i < n; i++) {
        if (i % 13 == 4) {
          assertTrue(out.isNull(i), "row " + i + ": null in, null out");
          continue;
        }
        double[] want = PredictModels.softmax(PredictModels.logits(
            new double[] {x[i][0], x[i][1], x[i][2]}));
        long from = probs.getStartListOffset(i);
        assertEquals(4, probs.getEndListOffset(i) - from, "row " + i);
        for (int j = 0; j < 4; j++) {
          assertEquals(want[j], probs.getChildColumnView(0).getFloat(from + j), 1e-5, "row " + i);
        }
      }
    }
  }

  @Test
  void theDeviceFeedSwitchStagesEveryBatchAndSaysWhy() {
    StructType args = new StructType().add("_0", DataTypes.FloatType)
        .add("_1", DataTypes.FloatType).add("_2", DataTypes.FloatType);
    spark.conf().set("spark.ember.sql.rapids.deviceFeed", "false");
    try {
      SqlCall off = SqlCall.predict(spark, classifier, args);
      assertEquals("spark.ember.sql.rapids.deviceFeed is false",
          ColumnarCall.deviceFeedRefusal(off));
    } finally {
      spark.conf().unset("spark.ember.sql.rapids.deviceFeed");
    }
    String on = ColumnarCall.deviceFeedRefusal(SqlCall.predict(spark, classifier, args));
    assertTrue(on == null || !on.contains("deviceFeed"), "switched on, refused for: " + on);
  }

  @Test
  void aListArgumentOfTheWrongWidthNamesTheRow() {
    StructType args = new StructType().add("_0", DataTypes.createArrayType(DataTypes.FloatType));
    SqlCall call = SqlCall.predict(spark, classifier, args);
    HostColumnVector.DataType list = new HostColumnVector.ListType(true,
        new HostColumnVector.BasicType(true, DType.FLOAT32));
    try (HostColumnVector in = HostColumnVector.fromLists(list, Arrays.asList(1f, 2f, 3f), null,
        Arrays.asList(1f, 2f))) {
      EmberException e = assertThrows(EmberException.class,
          () -> ColumnarCall.evaluateHost(call, false, 3, in).close());
      assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
      assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("3 values"),
          e.getMessage());
    }
  }

  @Test
  void textOnCudfHostColumnsIsTokenisedOnTheHostAndEmbedded() {
    SqlCall call = SqlCall.embed(spark, null, new StructType().add("_0", DataTypes.StringType));
    try (HostColumnVector in = HostColumnVector.fromStrings("a sunny day", null, "   ",
            "rain all week");
        HostColumnVector out = ColumnarCall.evaluateHost(call, false, 4, in)) {
      assertEquals(4, out.getRowCount());
      assertTrue(out.isNull(1), "null text, null embedding");
      assertTrue(out.isNull(2), "blank text, null embedding");
      for (int row : new int[] {0, 3}) {
        long from = out.getStartListOffset(row);
        assertEquals(384, out.getEndListOffset(row) - from);
        double norm = 0;
        for (int j = 0; j < 384; j++) {
          float v = out.getChildColumnView(0).getFloat(from + j);
          norm += v * v;
        }
        assertEquals(1.0, norm, 1e-4, "unit-length embedding in row " + row);
      }
    }
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
