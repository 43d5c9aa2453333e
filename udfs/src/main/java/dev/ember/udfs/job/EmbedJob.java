package dev.ember.udfs.job;

import dev.ember.executor.errors.Redaction;
import dev.ember.spark.ExecutorModels;
import dev.ember.udfs.TextEmbeddings;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
      String why = Redaction.redact(e.getMessage());
      System.err.println("EmbedJob: " + why + "\n" + EmbedJobArgs.USAGE);
      System.exit(2);
      return;
    }
    SparkSession.Builder builder = SparkSession.builder().appName("ember-embed");
    for (Map.Entry<String, String> c : a.conf().entrySet()) {
      builder.config(c.getKey(), c.getValue());
    }
    int rc = 0;
    SparkSession spark = null;
    try {
      spark = builder.getOrCreate();
      System.out.println(run(spark, a));
      String engine = engineSummary();
      if (!engine.isEmpty()) {
        System.out.println(engine);
      }
    } catch (Exception e) { // Scala code throws checked exceptions undeclared
      // The user needs the reason, not Spark's stack: print each distinct cause once.
      System.err.println("EmbedJob failed: " + causes(e));
      rc = 1;
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    if (rc != 0) {
      System.exit(rc);
    }
  }

  /**
   * The compile and cache counters of the models this JVM ran (local mode, where the driver is
   * the executor); empty on a cluster, whose executors report them as Spark metrics.
   */
  static String engineSummary() {
    if (ExecutorModels.size() == 0) {
      return "";
    }
    long real = ExecutorModels.sumWrapperStats(s -> s.realTokens());
    long padded = ExecutorModels.sumWrapperStats(s -> s.paddedTokens());
    return String.format(
        Locale.ROOT,
        "Engine: %d variants compiled in %.1f s; compile cache %d hits, %d misses, %d rebuilt;"
            + " level-3 padding: %d tokens ran as %d (%.2fx)",
        ExecutorModels.sumWrapperStats(s -> s.variantsCompiled()),
        ExecutorModels.sumWrapperStats(s -> s.compileNanos()) / 1e9,
        ExecutorModels.sumCacheStats(s -> s.hits()),
        ExecutorModels.sumCacheStats(s -> s.misses()),
        ExecutorModels.sumCacheStats(s -> s.rebuilds()),
        real,
        padded,
        real == 0 ? 1.0 : (double) padded / real);
  }

  static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      // Foreign causes (Hadoop's, Spark's) may quote a model URI with its credentials.
      String m =
          c.getMessage() == null ? c.getClass().getName() : Redaction.redact(c.getMessage());
      if (seen.add(m) && seen.stream().noneMatch(o -> o != m && o.contains(m))) {
        sb.append(sb.length() == 0 ? "" : "\n  caused by: ").append(m);
      }
    }
    return sb.toString();
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
      // Keep null embeddings visible as "embedding":null rather than a missing field.
      writer.option("ignoreNullFields", "false").json(a.output());
    } else {
      writer.parquet(a.output());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // JSON reads columns back in alphabetical order; show them in the order written.
    Dataset<Row> written =
        spark.read().format(a.outputFormat()).load(a.output()).selectExpr(quoted(out.columns()));
    long rows = written.count();
    if (a.show() > 0) {
      printSample(written, a.show());
    }
    return new Summary(rows, seconds, a.output());
  }

  private static String[] quoted(String[] columns) {
    String[] q = new String[columns.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = "`" + columns[i].replace("`", "``") + "`";
    }
    return q;
  }

  private static void printSample(Dataset<Row> written, int n) {
    Dataset<Row> sample = written.columns().length > 0
        && java.util.Arrays.asList(written.columns()).contains("line")
        ? written.orderBy("line") : written;
    for (Row r : sample.limit(n).collectAsList()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length(); i++) {
        Object v = r.get(i);
        String s;
        if (v instanceof scala.collection.Seq<?> seq) {
          s = "[" + seq.size() + " floats: " + seq.take(3).mkString(", ") + ", ...]";
        } else {
          s = String.valueOf(v);
          s = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        }
        sb.append(i == 0 ? "" : " | ").append(r.schema().fieldNames()[i]).append('=').append(s);
      }
      System.out.println("  " + sb);
    }
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

  /**
   * One row per line: line (0-based, in file order), text; split into at least as many
   * partitions as the application has cores, so every core works.
   */
  static Dataset<Row> numberedLines(SparkSession spark, String path) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows =
        jsc.textFile(path, jsc.defaultParallelism()).zipWithIndex()
            .map(t -> RowFactory.create(t._2(), t._1()));
    StructType schema =
        new StructType().add("line", DataTypes.LongType, false).add("text", DataTypes.StringType);
    return spark.createDataFrame(rows, schema);
  }
}
