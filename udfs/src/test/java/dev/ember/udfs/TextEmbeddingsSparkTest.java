package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.ExecutorModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The DataFrame path end to end on local[2], with the plugin on, against ONNX Runtime. */
class TextEmbeddingsSparkTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start(Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Dataset<Row> frame(List<String> texts, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    StructType schema =
        new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType);
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  @Test
  void embeddingsMatchOnnxRuntimeOnRealText() throws Exception {
    List<String> texts = Corpus.lines(520);
    Dataset<Row> in = frame(texts, 4);
    List<Row> out = TextEmbeddings.of("text").batchSize(32).transform(in).collectAsList();
    assertEquals(texts.size(), out.size(), "rows in = rows out");
    double minCos = 1;
    try (ReferenceEmbeddings ref = new ReferenceEmbeddings()) {
      boolean[] seen = new boolean[texts.size()];
      for (Row r : out) {
        int id = (int) r.getLong(0);
        assertEquals(texts.get(id), r.getString(1));
        seen[id] = true;
        List<Float> v = r.getList(2);
        assertEquals(384, v.size());
        minCos = Math.min(minCos, ReferenceEmbeddings.cosine(ref.embed(texts.get(id)), v));
      }
      for (int i = 0; i < seen.length; i++) {
        assertTrue(seen[i], "row " + i + " missing");
      }
    }
    System.out.printf("Spark path vs ONNX Runtime over %d rows: min cosine %.6f%n",
        texts.size(), minCos);
    assertTrue(minCos >= 0.9999, "min cosine " + minCos);
  }

  @Test
  void theDriverSeesWhatItsLocalTasksRan() {
    // Local mode: this JVM is the executor, so its counters cover the tasks (notebook 03).
    long textsBefore = ExecutorModels.embedStats().texts();
    long dispatchesBefore = dispatches();
    List<String> texts = Corpus.lines(40);
    assertEquals(texts.size(), TextEmbeddings.of("text").batchSize(8).transform(frame(texts, 2))
        .count());
    dev.ember.executor.text.EmbedStats after = ExecutorModels.embedStats();
    assertEquals(texts.size(), after.texts() - textsBefore, "every text counted once");
    assertTrue(after.paddedTokens() >= after.realTokens() && after.realTokens() > 0, "" + after);
    assertTrue(dispatches() > dispatchesBefore, "the compile wrapper ran the batches");
  }

  private static long dispatches() {
    return ExecutorModels.wrapperStats().stream()
        .flatMap(w -> w.variants().stream()).mapToLong(v -> v.dispatches()).sum();
  }

  @Test
  void everyRowComesOutInOrderAndNullsStayNull() {
    String longText = String.join(" ", java.util.Collections.nCopies(400, "word"));
    List<String> texts =
        Arrays.asList("first", null, "", "   ", "Ünïcödé 🚀 emoji", longText, "last");
    List<Row> out =
        TextEmbeddings.of("text").outputCol("vec").transform(frame(texts, 1)).collectAsList();
    assertEquals(texts.size(), out.size());
    for (int i = 0; i < texts.size(); i++) {
      Row r = out.get(i);
      assertEquals(i, r.getLong(0), "row order kept");
      String t = texts.get(i);
      if (t == null || t.isBlank()) {
        assertTrue(r.isNullAt(2), "blank text gives a null embedding at row " + i);
      } else {
        assertEquals(384, r.getList(2).size());
      }
    }
    assertNull(out.get(1).getString(1));
  }

  @Test
  void oneModelInstancePerExecutorSharedByConcurrentTasks() {
    Dataset<Row> in = frame(Corpus.lines(64), 8);
    // Each task reports which embedder object it got and how many loads this JVM has done.
    MapPartitionsFunction<Row, String> probe =
        rows -> {
          var e = ExecutorModels.embedder("builtin:all-minilm-l6-v2",
              dev.ember.spark.EngineSettings.from(
                  dev.ember.spark.conf.EmberConf.from(org.apache.spark.SparkEnv.get().conf())),
              dev.ember.executor.text.ModelFiles.local());
          int n = 0;
          while (rows.hasNext()) {
            rows.next();
            n++;
          }
          return List.of(System.identityHashCode(e) + ":" + ExecutorModels.loadCount() + ":" + n)
              .iterator();
        };
    List<String> reports =
        TextEmbeddings.of("text").transform(in).mapPartitions(probe, Encoders.STRING())
            .collectAsList();
    assertEquals(8, reports.size());
    String first = reports.get(0).split(":")[0];
    for (String r : reports) {
      String[] p = r.split(":");
      assertEquals(first, p[0], "every task shares one embedder: " + reports);
      assertEquals("1", p[1], "the model was loaded once in this JVM: " + reports);
    }
    assertNotNull(first);
  }
}
