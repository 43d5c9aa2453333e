package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.ReduceSumSquareModel;
import dev.ember.spark.HadoopModelFiles;
import dev.ember.spark.ModelPlans;
import dev.ember.spark.conf.EmberConf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spark.ember.backend through the predict UDF on local[2]: a model with an op Ember lacks
 * (ReduceSumSquare, from an ONNX node test) runs on ONNX Runtime under {@code auto} with the node
 * test's outputs and a log line naming the op; under {@code ember} its tasks fail naming the op.
 * {@code bin/ember explain} says which engine runs it and why.
 */
class OrtFallbackSparkTest {
  @TempDir Path dir;

  @Test
  void autoRunsTheModelOnOrtAndEmberRefusesIt() throws Exception {
    Path model = dir.resolve("reduce_sum_square.onnx");
    Files.write(model, ReduceSumSquareModel.bytes());
    List<String> logged = Collections.synchronizedList(new ArrayList<>());
    AbstractAppender capture = capture(logged);
    SparkSession spark = start("auto");
    try {
      List<Row> out = EmberPredict.model(model.toString()).input("data", "v")
          .output("reduced", "r").transform(rows(spark)).orderBy("id").collectAsList();
      Tensor want = ReduceSumSquareModel.expected();
      assertEquals(3, out.size());
      for (int i = 0; i < 3; i++) {
        List<Float> got = out.get(i).getList(out.get(i).fieldIndex("r"));
        for (int j = 0; j < 2; j++) {
          float w = want.rawFloats()[i * 2 + j];
          assertEquals(w, got.get(j), 1e-5f * Math.max(1f, Math.abs(w)), "row " + i + " " + j);
        }
      }
      assertEquals(1, RegistrySink.gauge(
          "plugin.dev.ember.spark.EmberPlugin.models.onnxRuntime"), "the model runs on ORT");
      assertTrue(logged.stream().anyMatch(l -> l.contains("runs on ONNX Runtime")
          && l.contains("Ember lacks the ops ReduceSumSquare")), String.join("\n", logged));
    } finally {
      detach(capture);
      spark.stop();
    }

    SparkSession ember = start("ember");
    try {
      Exception e = assertThrows(Exception.class,
          () -> EmberPredict.model(model.toString()).input("data", "v").transform(rows(ember))
              .collectAsList());
      String all = String.valueOf(e.getMessage()) + e.getCause();
      assertTrue(all.contains("UNSUPPORTED_OP") && all.contains("ReduceSumSquare at node '"
          + ReduceSumSquareModel.NODE + "'") && all.contains("spark.ember.backend=auto"), all);
    } finally {
      ember.stop();
    }
  }

  @Test
  void explainSaysWhichEngineRunsTheModelAndWhy() throws Exception {
    Path model = dir.resolve("reduce_sum_square.onnx");
    Files.write(model, ReduceSumSquareModel.bytes());
    SparkConf conf = new SparkConf(false)
        .set("spark.ember.compile.cacheDir", dir.resolve("cache").toString());
    HadoopModelFiles files = new HadoopModelFiles(new Configuration());
    String auto = ModelPlans.explain(model.toString(), EmberConf.from(conf), conf, files);
    assertTrue(auto.contains("engine: ONNX Runtime (Ember lacks ReduceSumSquare); ops Ember"
        + " lacks: ReduceSumSquare at node '" + ReduceSumSquareModel.NODE + "'"), auto);
    conf.set("spark.ember.backend", "ember");
    EmberException e = assertThrows(EmberException.class,
        () -> ModelPlans.explain(model.toString(), EmberConf.from(conf), conf, files));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
    assertTrue(e.getMessage().contains("ReduceSumSquare"), e.getMessage());
  }

  private SparkSession start(String backend) {
    return LocalSpark.start(Map.of("spark.ember.backend", backend,
        "spark.ember.compile.cacheDir", dir.resolve("cache").toString(),
        "spark.metrics.conf.*.sink.registry.class", RegistrySink.class.getName()));
  }

  /** The node test's three rows, each 2 x 2 values flattened into one array column. */
  private static Dataset<Row> rows(SparkSession spark) {
    float[] data = ReduceSumSquareModel.input().rawFloats();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rows.add(RowFactory.create((long) i, Arrays.copyOfRange(data, i * 4, i * 4 + 4)));
    }
    return spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType)
        .add("v", DataTypes.createArrayType(DataTypes.FloatType))).repartition(2);
  }

  private static AbstractAppender capture(List<String> lines) {
    AbstractAppender a =
        new AbstractAppender("ember-ort-capture", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
          }
        };
    a.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    ctx.getConfiguration().getLoggerConfig("dev.ember").addAppender(a, Level.INFO, null);
    ctx.updateLoggers();
    return a;
  }

  private static void detach(AbstractAppender a) {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    ctx.getConfiguration().getLoggerConfig("dev.ember").removeAppender(a.getName());
    ctx.updateLoggers();
    a.stop();
  }
}
