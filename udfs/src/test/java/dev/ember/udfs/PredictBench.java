package dev.ember.udfs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ember.tribuo.TribuoFixture;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Not a test: rows/s of the predict UDF on a Tribuo model against ONNX Runtime called per
 * partition in the same job shape (SynapseML's way: one session per JVM, batches of the same
 * size), and SQL ember_embed against the DataFrame API on the sample corpus. Interleaved rounds,
 * results written to Spark's noop sink. Run with {@code bench/predict.sh [ROWS] [ROUNDS]}.
 */
public final class PredictBench {
  static volatile OrtSession session; // one per JVM, like SynapseML's cached model

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int batch = 1024;
    SparkSession spark = LocalSpark.start(Map.of(
        "spark.sql.extensions", "dev.ember.spark.EmberExtensions",
        "spark.ember.batchSize", "32"));
    TribuoThroughSparkTest.spark = spark;
    TribuoFixture f = TribuoFixture.load("wine-logistic");
    Path model = Files.createTempDirectory("ember-bench").resolve("wine.onnx");
    Files.write(model, f.modelBytes());
    Dataset<Row> in = replicated(spark, f, rows).cache();
    in.count();
    String[] cols = TribuoThroughSparkTest.featureCols(f);
    List<String> texts = Corpus.lines(4000);
    List<Row> textRows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      textRows.add(RowFactory.create((long) i, texts.get(i)));
    }
    Dataset<Row> textDf = spark.createDataFrame(textRows, new StructType()
        .add("id", DataTypes.LongType).add("text", DataTypes.StringType)).repartition(2).cache();
    textDf.count();
    textDf.createOrReplaceTempView("texts");
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
    for (int r = 0; r < rounds + 1; r++) { // round 0 warms both up
      double ember = time(() -> EmberPredict.model(model.toString())
          .input(f.inputName(), cols).output("output", "scores").batchSize(batch)
          .transform(in).write().format("noop").mode("overwrite").save());
      double ort = time(() -> in.mapPartitions(ortPartitions(model.toString(), f.width(), batch),
          Encoders.row(in.schema().add("scores", DataTypes.createArrayType(DataTypes.FloatType))))
          .write().format("noop").mode("overwrite").save());
      double api = time(() -> TextEmbeddings.of("text").transform(textDf)
          .write().format("noop").mode("overwrite").save());
      double sql = time(() -> spark.sql("SELECT id, text, ember_embed(text) FROM texts")
          .write().format("noop").mode("overwrite").save());
      System.out.printf(Locale.ROOT, "round %d: ember %.2f s, ort %.2f s, embed api %.2f s,"
          + " embed sql %.2f s%n", r, ember, ort, api, sql);
      if (r > 0) {
        best[0] = Math.min(best[0], ember);
        best[1] = Math.min(best[1], ort);
        best[2] = Math.min(best[2], api);
        best[3] = Math.min(best[3], sql);
      }
    }
    System.out.printf(Locale.ROOT, "predict, %d rows of wine-logistic (13 features), batch %d:"
        + " Ember %.0f rows/s, ORT per partition %.0f rows/s, ratio %.2f%n", rows, batch,
        rows / best[0], rows / best[1], best[1] / best[0]);
    System.out.printf(Locale.ROOT, "embed, 4000 glosses: DataFrame API %.1f rows/s, SQL %.1f"
        + " rows/s, SQL/API %.3f%n", 4000 / best[2], 4000 / best[3], best[2] / best[3]);
    spark.stop();
  }

  static Dataset<Row> replicated(SparkSession spark, TribuoFixture f, int n) {
    float[][] x = f.rows();
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Object[] v = new Object[f.width() + 1];
      v[0] = (long) i;
      for (int j = 0; j < f.width(); j++) {
        v[j + 1] = x[i % x.length][j];
      }
      rows.add(RowFactory.create(v));
    }
    return spark.createDataFrame(rows, TribuoThroughSparkTest.frame(f).schema()).repartition(2);
  }

  static MapPartitionsFunction<Row, Row> ortPartitions(String model, int width, int batch) {
    return it -> {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      synchronized (PredictBench.class) {
        if (session == null) {
          session = env.createSession(model, new OrtSession.SessionOptions());
        }
      }
      List<Row> out = new ArrayList<>();
      List<Row> pending = new ArrayList<>(batch);
      while (it.hasNext()) {
        pending.add(it.next());
        if (pending.size() == batch || !it.hasNext()) {
          float[] flat = new float[pending.size() * width];
          for (int i = 0; i < pending.size(); i++) {
            for (int j = 0; j < width; j++) {
              flat[i * width + j] = pending.get(i).getFloat(j + 1);
            }
          }
          try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat),
                  new long[] {pending.size(), width});
              OrtSession.Result res = session.run(Map.of("input", t))) {
            float[][] scores = (float[][]) res.get(0).getValue();
            for (int i = 0; i < pending.size(); i++) {
              Row r = pending.get(i);
              Object[] v = new Object[r.length() + 1];
              for (int k = 0; k < r.length(); k++) {
                v[k] = r.get(k);
              }
              v[r.length()] = scores[i];
              out.add(RowFactory.create(v));
            }
          }
          pending.clear();
        }
      }
      Iterator<Row> result = out.iterator();
      return result;
    };
  }

  interface Job {
    void run() throws Exception;
  }

  static double time(Job j) throws Exception {
    long t = System.nanoTime();
    j.run();
    return (System.nanoTime() - t) / 1e9;
  }
}
