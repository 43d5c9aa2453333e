package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.udfs.rapids.ColumnarStats;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RAPIDS device check (run by {@code bin/lib/gpu-check rapids} on a machine with a GPU, the
 * repository's build and the RAPIDS jar): with the SQL plugin really on, ember_predict over
 * 10,000 rows plans as a GPU projection with no columnar-to-row transition below it, gives the
 * CPU path's outputs, and, with the model on the CUDA backend, takes the device feed: {@link
 * ColumnarStats} counts device-fed batches and no byte of argument values copied to the host
 * (only list offsets and null flags, as metadata). Skips without a CUDA device; runs in the
 * rapids-explain execution only.
 */
@Tag("gpu")
@EnabledIfSystemProperty(named = "ember.rapids.explain", matches = "true")
class RapidsGpuTest {
  static final int ROWS = 10_000;
  static SparkSession spark;
  @TempDir static Path dir;
  static String classifier;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(cudaDevices() > 0, "requires a CUDA device");
    Thread.currentThread().setContextClassLoader(
        new MutableURLClassLoader(new URL[0], RapidsGpuTest.class.getClassLoader()));
    spark = LocalSpark.start(Map.of(
        "spark.plugins", "dev.ember.spark.EmberPlugin,com.nvidia.spark.SQLPlugin",
        "spark.sql.extensions", "dev.ember.spark.EmberExtensions",
        "spark.kryo.registrationRequired", "false",
        "spark.sql.adaptive.enabled", "false",
        // The model on the GPU's captured variants: the columnar call's device feed.
        "spark.ember.device", "cuda",
        "spark.ember.compile.level", "3",
        // RMM grows on demand (ASYNC) and leaves room for Ember's own device buffers.
        "spark.rapids.memory.gpu.pool", "ASYNC",
        "spark.rapids.memory.gpu.allocFraction", "0.5",
        "spark.rapids.sql.concurrentGpuTasks", "1"));
    classifier = PredictModels.classifier(dir).toString();
    spark.range(0, ROWS).selectExpr("id",
        "cast(rand(1) * 4 - 2 as float) AS a",
        "IF(id % 97 = 5, NULL, cast(rand(2) * 4 - 2 as float)) AS b",
        "cast(rand(3) * 4 - 2 as float) AS c").write().parquet(dir.resolve("f").toString());
    spark.read().parquet(dir.resolve("f").toString()).createOrReplaceTempView("gpu_features");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static int cudaDevices() {
    try {
      int[] n = {0};
      return jcuda.runtime.JCuda.cudaGetDeviceCount(n) == 0 ? n[0] : 0;
    } catch (LinkageError e) {
      return 0;
    }
  }

  @Test
  void predictStaysInTheGpuPlanAndMatchesTheCpuPath() {
    String sql = "SELECT id, ember_predict('" + classifier + "', a, b, c) AS r FROM gpu_features";
    Dataset<Row> gpu = spark.sql(sql);
    long device = ColumnarStats.deviceBatches();
    long argumentBytes = ColumnarStats.argumentHostBytes();
    List<Row> got = gpu.orderBy("id").collectAsList();
    assertTrue(ColumnarStats.deviceBatches() > device, "the columnar call took the device feed ("
        + (ColumnarStats.stagedBatches()) + " staged batches; see the INFO line for why)");
    // One line bin/lib/gpu-check rapids puts into rapids-check.json.
    System.out.println("ember-columnar: deviceBatches=" + (ColumnarStats.deviceBatches() - device)
        + " stagedBatches=" + ColumnarStats.stagedBatches() + " argumentHostBytes="
        + (ColumnarStats.argumentHostBytes() - argumentBytes) + " metadataHostBytes="
        + ColumnarStats.metadataHostBytes());
    assertEquals(argumentBytes, ColumnarStats.argumentHostBytes(),
        "no argument column was copied to the host");
    String plan = gpu.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("GpuProject") && plan.contains("ember_predict"), plan);
    assertEquals(1, count(plan, "ColumnarToRow"), "only the final transition to rows: " + plan);
    assertEquals(0, count(plan, "RowToColumnar"), plan);

    spark.conf().set("spark.rapids.sql.enabled", "false");
    spark.conf().set("spark.ember.sql.rapids", "off");
    List<Row> want;
    try {
      want = spark.sql(sql).orderBy("id").collectAsList();
    } finally {
      spark.conf().unset("spark.rapids.sql.enabled");
      spark.conf().unset("spark.ember.sql.rapids");
    }
    assertEquals(ROWS, got.size(), "every row comes out");
    for (int i = 0; i < ROWS; i++) {
      Row w = want.get(i);
      Row g = got.get(i);
      assertEquals(w.getLong(0), g.getLong(0));
      if (w.isNullAt(1)) {
        assertTrue(g.isNullAt(1), "row " + w.getLong(0) + ": null in, null out");
        continue;
      }
      List<Float> a = w.getStruct(1).getList(1);
      List<Float> b = g.getStruct(1).getList(1);
      for (int j = 0; j < a.size(); j++) {
        assertEquals(a.get(j), b.get(j), 1e-5, "row " + w.getLong(0));
      }
    }
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
