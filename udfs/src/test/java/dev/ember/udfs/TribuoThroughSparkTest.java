package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tribuo.TribuoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tribuo's own models and predictions (module tribuo-models) through Spark: the DataFrame API and
 * SQL give Tribuo's label on every row and its scores or values within 1e-4 relative.
 */
class TribuoThroughSparkTest {
  static final double RTOL = 1e-4;
  static SparkSession spark;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start(Map.of("spark.sql.extensions", "dev.ember.spark.EmberExtensions"));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<String> models() {
    return TribuoFixture.names();
  }

  /** id, then one float column f0..f(n-1) per feature, in the model's input order. */
  static Dataset<Row> frame(TribuoFixture f) {
    float[][] x = f.rows();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      Object[] v = new Object[f.width() + 1];
      v[0] = (long) i;
      for (int j = 0; j < f.width(); j++) {
        v[j + 1] = x[i][j];
      }
      rows.add(RowFactory.create(v));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false);
    for (int j = 0; j < f.width(); j++) {
      schema = schema.add("f" + j, DataTypes.FloatType, false);
    }
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  static String[] featureCols(TribuoFixture f) {
    return IntStream.range(0, f.width()).mapToObj(j -> "f" + j).toArray(String[]::new);
  }

  static Path model(TribuoFixture f) throws Exception {
    Path p = dir.resolve(f.name() + ".onnx");
    Files.write(p, f.modelBytes());
    return p;
  }

  static void assertAgrees(TribuoFixture f, List<Row> out, int scoresAt, String path) {
    assertEquals(f.rowCount(), out.size(), path + ": rows in = rows out");
    float[][] got = new float[f.rowCount()][];
    for (Row r : out) {
      List<Float> scores = r.getList(scoresAt);
      float[] v = new float[scores.size()];
      for (int j = 0; j < v.length; j++) {
        v[j] = scores.get(j);
      }
      got[(int) r.getLong(0)] = v;
    }
    TribuoFixture.Agreement a = f.compare(got);
    assertEquals(0, a.argmaxMismatches(), path + ": " + a);
    assertTrue(a.maxRelError() <= RTOL, path + ": " + a);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void dataFrameApiGivesTribuosPredictions(String name) throws Exception {
    TribuoFixture f = TribuoFixture.load(name);
    String output = f.outputNames().get(0);
    EmberPredict p = EmberPredict.model(model(f).toString())
        .input(f.inputName(), featureCols(f)).output(output, "scores").batchSize(64);
    if (f.classifier()) {
      p = p.argmax(output, "label");
    }
    List<Row> out = p.transform(frame(f)).collectAsList();
    int scoresAt = f.width() + 1;
    assertAgrees(f, out, scoresAt, "DataFrame");
    if (f.classifier()) {
      for (Row r : out) {
        int label = r.getInt(scoresAt + 1);
        assertEquals(f.predicted((int) r.getLong(0)), f.labels().get(label),
            "Tribuo's label for row " + r.getLong(0));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void sqlGivesTribuosPredictions(String name) throws Exception {
    TribuoFixture f = TribuoFixture.load(name);
    frame(f).createOrReplaceTempView("t_" + name.replace('-', '_'));
    String cols = String.join(", ", featureCols(f));
    List<Row> out = spark.sql("SELECT id, ember_predict('" + model(f) + "', " + cols + ")."
        + f.outputNames().get(0) + " FROM t_" + name.replace('-', '_')).collectAsList();
    assertAgrees(f, out, 1, "SQL");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void pipelineWithVectorAssemblerSavesLoadsAndGivesTribuosPredictions(String name)
      throws Exception {
    TribuoFixture f = TribuoFixture.load(name);
    org.apache.spark.ml.Pipeline pipeline = new org.apache.spark.ml.Pipeline().setStages(
        new org.apache.spark.ml.PipelineStage[] {
            new org.apache.spark.ml.feature.VectorAssembler().setInputCols(featureCols(f))
                .setOutputCol("features"),
            new dev.ember.ml.EmberModel().setModel(model(f).toString())
                .setInputCols(new String[] {"features"}).setOutputCol("scores")
                .setAllowNarrowing(true).setBatchSize(50)});
    Dataset<Row> in = frame(f);
    org.apache.spark.ml.PipelineModel fitted = pipeline.fit(in);
    Path saved = dir.resolve("pipeline-" + name);
    fitted.write().overwrite().save(saved.toString());
    org.apache.spark.ml.PipelineModel loaded =
        org.apache.spark.ml.PipelineModel.load(saved.toString());
    int scoresAt = f.width() + 2; // id, features, the assembled vector, then the scores
    List<Row> before = fitted.transform(in).collectAsList();
    List<Row> after = loaded.transform(in).collectAsList();
    assertAgrees(f, before, scoresAt, "Pipeline");
    assertAgrees(f, after, scoresAt, "Pipeline after save and load");
  }
}
