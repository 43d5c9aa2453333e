package dev.ember.udfs.job;

import dev.ember.udfs.TextEmbeddings;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The sentence-embedding batch job, for {@code spark-submit --class dev.ember.udfs.job.EmbedJob
 * ember-udfs-*-all.jar --input ... --output ...}. Plain-text input gives one output row per line
 * with {@code line} (0-based), {@code text} and {@code embedding}; other formats keep their
 * columns and add {@code embedding}. Prints a one-line summary (rows, seconds, rows/s, output).
 */
public final class EmbedJob {
  private EmbedJob() {}

  public static void main(String[] args) {
    EmbedJobArgs a;
    try {
      a = EmbedJobArgs.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("EmbedJob: " + e.getMessage() + "\n" + EmbedJobArgs.USAGE);
      System.exit(2);
      return;
    }
    SparkSession.Builder builder = SparkSession.builder().appName("ember-embed");
    for (Map.Entry<String, String> c : a.conf().entrySet()) {
      builder.config(c.getKey(), c.getValue());
    }
    SparkSession spark = builder.getOrCreate();
    try {
      Summary s = run(spark, a);
      System.out.println(s);
    } finally {
      spark.stop();
    }
  }

  /** What one run did, for the summary line. */
  public record Summary(long rows, double seconds, String output) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT, "Ember embedded %d rows in %.1f s (%.1f rows/s); output: %s",
          rows, seconds, rows / Math.max(seconds, 1e-9), output);
    }
  }

  /** Reads, embeds and writes; returns the summary. Visible for tests. */
  public static Summary run(SparkSession spark, EmbedJobArgs a) {
    long start = System.nanoTime();
    Dataset<Row> in = read(spark, a);
    TextEmbeddings embed = TextEmbeddings.of(a.inputFormat().equals("text") ? "text" : a.textCol());
    if (a.model() != null) {
      embed = embed.model(a.model());
    }
    if (a.batchSize() != null) {
      embed = embed.batchSize(a.batchSize());
    }
    Dataset<Row> out = embed.transform(in);
    var writer = out.write().mode(a.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
    if (a.outputFormat().equals("json")) {
      writer.json(a.output());
    } else {
      writer.parquet(a.output());
    }
    long rows = spark.read().format(a.outputFormat()).load(a.output()).count();
    return new Summary(rows, (System.nanoTime() - start) / 1e9, a.output());
  }

  static Dataset<Row> read(SparkSession spark, EmbedJobArgs a) {
    switch (a.inputFormat()) {
      case "text":
        return numberedLines(spark, a.input());
      case "csv":
        return spark.read().option("header", "true").option("multiLine", "true").csv(a.input());
      default:
        return spark.read().format(a.inputFormat()).load(a.input());
    }
  }

  /** One row per line: line (0-based, in file order), text. */
  static Dataset<Row> numberedLines(SparkSession spark, String path) {
    JavaRDD<Row> rows =
        spark.read().text(path).javaRDD().zipWithIndex()
            .map(t -> RowFactory.create(t._2(), t._1().getString(0)));
    StructType schema =
        new StructType().add("line", DataTypes.LongType, false).add("text", DataTypes.StringType);
    return spark.createDataFrame(rows, schema);
  }
}
