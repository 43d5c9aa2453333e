package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: the executor plugin's gauges, read through Spark's metric system (a sink), agree with
 * what a job did: rows read, forward passes, variants compiled, compile-cache misses and then hits
 * (the default model, loaded at start at level 1, compiles nothing until it runs).
 */
class ExecutorMetricsTest {
  private static final String PLUGIN = "plugin.dev.ember.spark.EmberPlugin.";
  private static final List<String> GAUGES =
      List.of("rowsEmbedded", "batches", "compile.variants", "cache.misses", "cache.hits");
  private static final int ROWS = 300;
  private static final int BATCH = 32;

  @TempDir Path tmp;

  @Test
  void gaugesCountWhatTheJobDid() throws IOException {
    Path model = PredictModels.classifier(tmp);
    Path cache = tmp.resolve("compile-cache");
    // Level 1 compiles a variant per exact batch shape: 300 rows in batches of 32 run 9 full
    // batches and one of 12, so two variants, each a miss in a fresh cache.
    Map<String, Long> first = runJob(model, cache);
    assertEquals(ROWS, first.get("rowsEmbedded"), first::toString);
    assertEquals((ROWS + BATCH - 1) / BATCH, first.get("batches"), first::toString);
    assertEquals(2, first.get("compile.variants"), first::toString);
    assertEquals(2, first.get("cache.misses"), first::toString);
    assertEquals(0, first.get("cache.hits"), first::toString);
    // A new application on the same cache loads both variants instead of compiling them.
    Map<String, Long> second = runJob(model, cache);
    assertEquals(ROWS, second.get("rowsEmbedded"), second::toString);
    assertEquals((ROWS + BATCH - 1) / BATCH, second.get("batches"), second::toString);
    assertEquals(2, second.get("compile.variants"), second::toString);
    assertEquals(0, second.get("cache.misses"), second::toString);
    assertEquals(2, second.get("cache.hits"), second::toString);
  }

  /** One application: the predict UDF over ROWS rows in one partition; gauge deltas by name. */
  private static Map<String, Long> runJob(Path model, Path cache) {
    SparkSession spark =
        LocalSpark.start(
            Map.of(
                "spark.metrics.conf.*.sink.registry.class", RegistrySink.class.getName(),
                "spark.ember.compile.level", "1",
                "spark.ember.compile.cacheDir", cache.toString()));
    try {
      Map<String, Long> before = read();
      List<Row> out =
          EmberPredict.model(model.toString()).input("x", "a", "b", "c").output("probs", "p")
              .batchSize(BATCH).transform(features(spark)).collectAsList();
      assertEquals(ROWS, out.size());
      Map<String, Long> after = read();
      Map<String, Long> delta = new java.util.TreeMap<>();
      for (String g : GAUGES) {
        // Model counters start at 0 in each application (models load anew); the rest add up.
        delta.put(g, after.get(g) - before.get(g));
      }
      return delta;
    } finally {
      spark.stop();
    }
  }

  private static Map<String, Long> read() {
    Map<String, Long> values = new java.util.TreeMap<>();
    for (String g : GAUGES) {
      values.put(g, RegistrySink.gauge(PLUGIN + g));
    }
    return values;
  }

  /** ROWS rows of three floats, no nulls, in one partition: ceil(ROWS / BATCH) forward passes. */
  private static Dataset<Row> features(SparkSession spark) {
    Random r = new Random(16);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      rows.add(RowFactory.create(r.nextFloat(), r.nextFloat(), r.nextFloat()));
    }
    StructType schema = new StructType().add("a", DataTypes.FloatType)
        .add("b", DataTypes.FloatType).add("c", DataTypes.FloatType);
    return spark.createDataFrame(rows, schema).coalesce(1);
  }
}
