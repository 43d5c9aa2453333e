package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Issue #16: texts longer than {@code spark.ember.text.maxLength} are embedded from their head,
 * counted in the {@code text.truncated} metric (read through a Spark metrics sink) and summed up
 * in one log line per task.
 */
class TextTruncationSparkTest {
  private static final String LONG = "one two three four five six seven eight nine ten";
  /** LONG's first six words: with [CLS] and [SEP], exactly 8 tokens. */
  private static final String HEAD = "one two three four five six";

  @Test
  void longTextsAreCutToTheirHeadCountedAndLoggedOncePerTask() {
    List<String> logged = Collections.synchronizedList(new ArrayList<>());
    AbstractAppender capture = capture(logged);
    SparkSession spark = LocalSpark.start(Map.of(
        "spark.metrics.conf.*.sink.registry.class", RegistrySink.class.getName(),
        "spark.ember.text.maxLength", "8",
        "spark.ember.compile.level", "0"));
    try {
      long before = RegistrySink.gauge("plugin.dev.ember.spark.EmberPlugin.text.truncated");
      StructType schema = new StructType().add("text", DataTypes.StringType);
      Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(LONG),
          RowFactory.create(HEAD), RowFactory.create(LONG + " and more words"),
          RowFactory.create((String) null)), schema).coalesce(1);
      List<Row> out = TextEmbeddings.of("text").transform(df).collectAsList();
      long after = RegistrySink.gauge("plugin.dev.ember.spark.EmberPlugin.text.truncated");
      assertEquals(2, after - before, "the two texts over 8 tokens");
      float[] longVec = vector(out.get(0));
      float[] headVec = vector(out.get(1));
      // The model saw only LONG's head: the same 8 tokens as HEAD, so the same vector.
      assertArrayEquals(headVec, longVec, 1e-6f);
      assertArrayEquals(headVec, vector(out.get(2)), 1e-6f);
      List<String> summaries =
          logged.stream().filter(l -> l.contains("spark.ember.text.maxLength=8")).toList();
      assertEquals(1, summaries.size(), logged::toString);
      assertEquals(true, summaries.get(0).contains(": 2 text(s) longer than"), summaries::toString);
      // The predict UDF's text path counts and logs its cuts the same way, once per task.
      logged.clear();
      long beforePredict =
          RegistrySink.gauge("plugin.dev.ember.spark.EmberPlugin.text.truncated");
      List<Row> states = EmberPredict.model("builtin:all-minilm-l6-v2").text("text")
          .output("last_hidden_state", "states").transform(df).collectAsList();
      assertEquals(8, states.get(0).getList(1).size(), "LONG cut to 8 tokens");
      assertEquals(2, RegistrySink.gauge("plugin.dev.ember.spark.EmberPlugin.text.truncated")
          - beforePredict, "the predict path's two cuts");
      List<String> predictSummaries =
          logged.stream().filter(l -> l.contains("spark.ember.text.maxLength=8")).toList();
      assertEquals(1, predictSummaries.size(), logged::toString);
      assertTrue(predictSummaries.get(0).contains(": 2 text(s) longer than"),
          predictSummaries::toString);
      // Without the cap the long text is embedded whole, and differs: the cut above was real.
      assertNotEquals(0, distance(headVec, vector(TextEmbeddings.of("text").maxLength(128)
          .transform(df).collectAsList().get(0))), 1e-6);
    } finally {
      spark.stop();
      detach(capture);
    }
  }

  private static float[] vector(Row r) {
    List<Float> v = r.getList(1);
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = v.get(i);
    }
    return f;
  }

  private static double distance(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(d);
  }

  /** Collects the formatted messages of Ember's loggers. */
  private static AbstractAppender capture(List<String> lines) {
    AbstractAppender a =
        new AbstractAppender("ember-capture", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
          }
        };
    a.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    LoggerConfig ember = ctx.getConfiguration().getLoggerConfig("dev.ember");
    ember.addAppender(a, Level.INFO, null);
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
