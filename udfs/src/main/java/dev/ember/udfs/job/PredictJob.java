package dev.ember.udfs.job;

import dev.ember.executor.errors.Redaction;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import dev.ember.udfs.EmberPredict;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The batch-predict job for any batchable ONNX model: {@code spark-submit --class
 * dev.ember.udfs.job.PredictJob ember-udfs-*-all.jar --model M --input F --input-format csv
 * --input-cols a,b,c --output D}. Every input row comes out with its columns and one column per
 * graph output (and a label column with {@code --argmax}). CSV values are text, so the input
 * columns are parsed straight into the graph input's element type.
 */
public final class PredictJob {
  static final String USAGE = String.join("\n",
      "usage: PredictJob --model SPEC --input PATH --output PATH [options]",
      "  --model SPEC            an .onnx file, a folder holding model.onnx, or a builtin",
      "  --input PATH            file or folder to read (any Hadoop path)",
      "  --input-format FMT      csv (with a header, default), json or parquet",
      "  --input-cols A,B,C      columns that feed the graph's input (default: every column)",
      "  --graph-input NAME      the graph input they feed (default: the graph's only input)",
      "  --text-cols A[,B]       string column(s) a transformer's tokenizer turns into its token",
      "                          inputs; two columns are encoded as a pair (rerankers)",
      "  --argmax OUTPUT         add a 'label' column: the index of OUTPUT's largest value",
      "  --output PATH           folder to write",
      "  --format FMT            parquet (default) or json (JSON lines)",
      "  --batch-size N          rows per model call (default spark.ember.batchSize)",
      "  --allow-narrowing       let double columns feed float inputs (json, parquet)",
      "  --overwrite             replace the output folder if it exists",
      "  --show N                print N output rows (default 0)",
      "  --conf KEY=VALUE        any Spark or spark.ember.* setting (repeatable)");

  private PredictJob() {}

  public static void main(String[] args) {
    Flags f;
    try {
      f = Flags.parse(args, Set.of("--model", "--input", "--input-format", "--input-cols",
          "--graph-input", "--text-cols", "--argmax", "--output", "--format", "--batch-size",
          "--show"),
          Set.of("--allow-narrowing", "--overwrite"));
      f.required("--model");
      f.required("--input");
      f.required("--output");
    } catch (IllegalArgumentException e) {
      System.err.println("PredictJob: " + Redaction.redact(e.getMessage()) + "\n" + USAGE);
      System.exit(2);
      return;
    }
    SparkSession.Builder builder = SparkSession.builder().appName("ember-predict");
    f.conf.forEach(builder::config);
    int rc = 0;
    SparkSession spark = null;
    try {
      spark = builder.getOrCreate();
      System.out.println(run(spark, f));
      String engine = EmbedJob.engineSummary();
      if (!engine.isEmpty()) {
        System.out.println(engine);
      }
    } catch (Exception e) { // Scala code throws checked exceptions undeclared
      System.err.println("PredictJob failed: " + EmbedJob.causes(e));
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

  static String run(SparkSession spark, Flags f) {
    long start = System.nanoTime();
    String model = f.required("--model");
    String format = f.oneOf("--input-format", List.of("csv", "json", "parquet"), "csv");
    Dataset<Row> in = format.equals("csv")
        ? spark.read().option("header", "true").csv(f.required("--input"))
        : spark.read().format(format).load(f.required("--input"));
    EmberPredict p = EmberPredict.model(model).allowNarrowing(f.on("--allow-narrowing"));
    if (f.values.containsKey("--text-cols")) {
      String[] text = f.get("--text-cols", "").split(",");
      if (text.length > 2) {
        throw new IllegalArgumentException("--text-cols takes one column, or two for a text pair,"
            + " got " + Arrays.toString(text));
      }
      p = text.length == 1 ? p.text(text[0]) : p.text(text[0], text[1]);
    } else {
      ModelSignature sig = EmberPredict.signatureOf(spark, model);
      Port input = graphInput(sig, f.get("--graph-input", null));
      String[] cols = f.values.containsKey("--input-cols")
          ? f.get("--input-cols", "").split(",") : in.columns();
      if (format.equals("csv")) {
        in = parsed(in, cols, input);
      }
      p = p.input(input.name(), cols);
    }
    if (f.values.containsKey("--argmax")) {
      p = p.argmax(f.get("--argmax", null), "label");
    }
    Integer batch = f.positive("--batch-size", null);
    if (batch != null) {
      p = p.batchSize(batch);
    }
    Dataset<Row> out = p.transform(in);
    String output = f.required("--output");
    String outFormat = f.oneOf("--format", List.of("parquet", "json"), "parquet");
    var writer = out.write().mode(f.on("--overwrite") ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
    if (outFormat.equals("json")) {
      writer.option("ignoreNullFields", "false").json(output);
    } else {
      writer.parquet(output);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> written = spark.read().format(outFormat).load(output);
    long rows = written.count();
    int show = f.atLeastZero("--show", 0);
    if (show > 0) {
      written.show(show, 60);
    }
    return String.format(Locale.ROOT, "Ember predicted %d rows in %.1f s (%.1f rows/s); output: %s",
        rows, seconds, rows / Math.max(seconds, 1e-9), output);
  }

  /** The input a CLI run feeds: the named one, or the graph's only input. */
  private static Port graphInput(ModelSignature sig, String name) {
    if (name != null) {
      return sig.input(name).orElseThrow(() -> new IllegalArgumentException("--graph-input '"
          + name + "' is not an input of the model; its inputs are "
          + sig.inputs().stream().map(Port::describe).toList()));
    }
    if (sig.inputs().size() != 1) {
      throw new IllegalArgumentException("the model has " + sig.inputs().size() + " inputs "
          + sig.inputs().stream().map(Port::describe).toList() + "; the predict job feeds one:"
          + " name it with --graph-input, or use the DataFrame API for several");
    }
    return sig.inputs().get(0);
  }

  /** CSV columns are text: parse the input columns as the graph input's element type. */
  private static Dataset<Row> parsed(Dataset<Row> in, String[] cols, Port input) {
    String type = switch (input.dtype()) {
      case DOUBLE -> "double";
      case INT32 -> "int";
      case INT64 -> "long";
      case BOOL -> "boolean";
      default -> "float";
    };
    List<String> wanted = Arrays.asList(cols);
    Column[] select = Arrays.stream(in.columns()).map(c -> wanted.contains(c)
        ? functions.col("`" + c + "`").cast(type).as(c) : functions.col("`" + c + "`"))
        .toArray(Column[]::new);
    return in.select(select);
  }
}
