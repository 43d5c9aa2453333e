package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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

/**
 * Text pairs (what cross-encoder rerankers read) through the DataFrame API and SQL: the raw
 * MiniLM encoder's token states for {@code (query, passage)} rows match ONNX Runtime fed the
 * tokenizer's own pair encoding, segment ids included.
 */
class TextPairPredictTest {
  static final String MODEL = "builtin:all-minilm-l6-v2";
  static SparkSession spark;
  static List<String[]> pairs;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start(Map.of("spark.sql.extensions", "dev.ember.spark.EmberExtensions",
        "spark.ember.batchSize", "16"));
    List<String> lines = Corpus.lines(81);
    pairs = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      String first = lines.get(i);
      String second = i % 19 == 3 ? null : i % 19 == 4 ? " " : lines.get(i + 1);
      pairs.add(new String[] {first, second});
      rows.add(RowFactory.create((long) i, first, second));
    }
    spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType, false)
        .add("query", DataTypes.StringType).add("passage", DataTypes.StringType))
        .repartition(2).createOrReplaceTempView("pairs");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void dataFramePairsMatchOnnxRuntimeWithSegmentIds() throws Exception {
    List<Row> out = EmberPredict.model(MODEL).text("query", "passage")
        .output("last_hidden_state", "states").transform(spark.table("pairs")).collectAsList();
    check(out);
  }

  @Test
  void sqlPairsMatchOnnxRuntimeWithSegmentIds() throws Exception {
    List<Row> out = spark.sql("SELECT id, query, passage,"
        + " ember_predict('" + MODEL + "', query, passage).last_hidden_state AS states"
        + " FROM pairs").collectAsList();
    check(out);
  }

  /** Rows are (id, query, passage, states); states are [tokens][384]. */
  private static void check(List<Row> out) throws Exception {
    assertEquals(pairs.size(), out.size(), "rows in = rows out");
    double worst = 0;
    double segmentEffect = 0;
    try (ReferenceEmbeddings ort = new ReferenceEmbeddings()) {
      for (Row row : out) {
        String[] pair = pairs.get((int) row.getLong(0));
        if (pair[1] == null || pair[1].isBlank()) {
          assertNull(row.get(3), "a null or blank second text gives null states");
          continue;
        }
        float[][] want = ort.hiddenPair(pair[0], pair[1], true);
        float[][] noSegments = ort.hiddenPair(pair[0], pair[1], false);
        List<Object> got = row.getList(3);
        assertEquals(want.length, got.size(), "one state per token of row " + row.getLong(0));
        for (int t = 0; t < want.length; t++) {
          @SuppressWarnings("unchecked")
          List<Float> v = scala.collection.JavaConverters.seqAsJavaList(
              (scala.collection.Seq<Float>) got.get(t));
          for (int k = 0; k < want[t].length; k++) {
            worst = Math.max(worst, Math.abs(want[t][k] - v.get(k)));
            segmentEffect = Math.max(segmentEffect, Math.abs(noSegments[t][k] - v.get(k)));
          }
        }
      }
    }
    assertTrue(worst < 2e-4, "max |Ember - ORT| on pair states = " + worst);
    // Without the second segment's type ids the states would differ this much: the check above
    // could not pass if the pair were fed as one text.
    assertTrue(segmentEffect > 1e-2, "segment ids changed nothing: " + segmentEffect);
  }
}
