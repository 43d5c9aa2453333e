package dev.ember.udfs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tribuo.TribuoFixture;
import dev.ember.udfs.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The predict job as bin/ember runs it (minus spark-submit), and the jobs' shared flag parser. */
class JobsTest {
  static SparkSession spark;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start(Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Flags predictFlags(String... args) {
    return Flags.parse(args, Set.of("--model", "--input", "--input-format", "--input-cols",
        "--graph-input", "--text-cols", "--argmax", "--output", "--format", "--batch-size",
        "--show"), Set.of("--allow-narrowing", "--overwrite"));
  }

  @Test
  void predictJobOnATribuoCsvGivesTribuosLabels() throws Exception {
    TribuoFixture f = TribuoFixture.load("wine-logistic");
    Path model = dir.resolve("wine.onnx");
    Files.write(model, f.modelBytes());
    List<String> cols = IntStream.range(0, f.width()).mapToObj(j -> "f" + j).toList();
    List<String> csv = new ArrayList<>();
    csv.add("id," + String.join(",", cols));
    float[][] x = f.rows();
    for (int i = 0; i < x.length; i++) {
      StringBuilder line = new StringBuilder().append(i);
      for (float v : x[i]) {
        line.append(',').append(v);
      }
      csv.add(line.toString());
    }
    Path input = Files.write(dir.resolve("wine.csv"), csv);
    Path output = dir.resolve("wine-out");
    String summary = PredictJob.run(spark, predictFlags("--model", model.toString(),
        "--input", input.toString(), "--input-cols", String.join(",", cols),
        "--argmax", f.outputNames().get(0), "--output", output.toString(), "--format", "json"));
    assertTrue(summary.startsWith("Ember predicted " + x.length + " rows"), summary);
    List<Row> out = spark.read().json(output.toString()).collectAsList();
    assertEquals(x.length, out.size(), "rows in = rows out");
    for (Row r : out) {
      int id = Integer.parseInt(r.getString(r.fieldIndex("id")));
      int label = (int) r.getLong(r.fieldIndex("label"));
      assertEquals(f.predicted(id), f.labels().get(label), "Tribuo's label of row " + id);
    }
  }

  @Test
  void predictJobFeedsTextPairsThroughTheTokenizer() throws Exception {
    Path input = Files.write(dir.resolve("pairs.csv"), List.of("id,query,passage",
        "0,what is a dog,a domesticated carnivorous mammal",
        "1,what is rain,",
        "2,frozen water,ice is water frozen into a solid state"));
    Path output = dir.resolve("pairs-out");
    PredictJob.run(spark, predictFlags("--model", "builtin:all-minilm-l6-v2",
        "--input", input.toString(), "--text-cols", "query,passage",
        "--output", output.toString(), "--format", "json"));
    Map<String, Row> out = spark.read().json(output.toString()).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(r.fieldIndex("id")), r -> r));
    assertEquals(Set.of("0", "1", "2"), out.keySet(), "rows in = rows out");
    assertNull(out.get("1").get(out.get("1").fieldIndex("last_hidden_state")),
        "an empty passage gives null states");
    int tokens = out.get("0").getList(out.get("0").fieldIndex("last_hidden_state")).size();
    assertTrue(tokens > 10, "one state per token of the pair: " + tokens);
  }

  @Test
  void explainJobDescribesATribuoModelUnderTheGivenSettings() throws Exception {
    TribuoFixture f = TribuoFixture.load("breast-cancer-fm");
    Path model = dir.resolve("fm.onnx");
    Files.write(model, f.modelBytes());
    String text = ExplainJob.explain(Flags.parse(new String[] {"--model", model.toString(),
        "--conf", "spark.ember.compile.captureSizes=1,16", "--conf", "spark.ember.cpu.gemm=java",
        "--conf", "spark.ember.engine.threads=2", "--conf",
        "spark.ember.compile.cacheDir=" + dir.resolve("cache")}, Set.of("--model"), Set.of()));
    assertTrue(text.contains("2 captured variant(s): batch sizes [1, 16]"), text);
    assertTrue(text.contains("backend cpu-janino {cpu.gemm=java, cpu.gemmThreads=2} on cpu"),
        "the CPU keys reach every variant's key: " + text);
    assertTrue(text.contains("0 of 2 planned variant(s) warm"), text);
    assertTrue(text.contains("inputs: ['" + f.inputName() + "' (float [batch, "
        + f.width() + "])"), text);
    assertTrue(text.contains("device: cpu"), text);
    String level0 = ExplainJob.explain(Flags.parse(new String[] {"--model", model.toString(),
        "--conf", "spark.ember.compile.level=0"}, Set.of("--model"), Set.of()));
    assertTrue(level0.contains("no compilation: every op on its reference kernel"), level0);
  }

  @Test
  void badFlagsNameTheFlagAndWhatItTakes() {
    IllegalArgumentException format = assertThrows(IllegalArgumentException.class,
        () -> PredictJob.run(spark, predictFlags("--model", "builtin:all-minilm-l6-v2",
            "--input", "x.csv", "--input-format", "xml", "--output", "o")));
    assertTrue(format.getMessage().contains("--input-format must be one of [csv, json, parquet]"),
        format.getMessage());
    IllegalArgumentException show = assertThrows(IllegalArgumentException.class,
        () -> EmbedJobArgs.parse(new String[] {"--input", "a", "--output", "b", "--show", "-1"}));
    assertTrue(show.getMessage().contains("--show must be a number >= 0"), show.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> EmbedJobArgs.parse(new String[] {"--input", "a", "--output", "b", "--bogus"}));
    assertTrue(unknown.getMessage().contains("--bogus"), unknown.getMessage());
    EmbedJobArgs ok = EmbedJobArgs.parse(new String[] {"--input", "a", "--output", "b",
        "--input-format", "CSV", "--text-col", "t", "--batch-size", "8", "--overwrite",
        "--conf", "spark.ember.batchSize=4"});
    assertEquals("csv", ok.inputFormat());
    assertEquals(8, ok.batchSize());
    assertTrue(ok.overwrite());
    assertEquals(Map.of("spark.ember.batchSize", "4"), ok.conf());
  }
}
