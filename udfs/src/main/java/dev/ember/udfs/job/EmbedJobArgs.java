package dev.ember.udfs.job;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line options of {@link EmbedJob}; {@link #parse} fails with the usage text. */
record EmbedJobArgs(
    String input,
    String inputFormat,
    String textCol,
    String output,
    String outputFormat,
    String model,
    Integer batchSize,
    boolean overwrite,
    int show,
    Map<String, String> conf) {

  static final String USAGE =
      String.join(
          "\n",
          "usage: EmbedJob --input PATH --output PATH [options]",
          "  --input PATH            file or folder to read (any Hadoop path)",
          "  --input-format FMT      text (one record per line, default), csv, json, parquet",
          "  --text-col NAME         column holding the text (csv/json/parquet; required there)",
          "  --output PATH           folder to write",
          "  --output-format FMT     parquet (default) or json (JSON lines)",
          "  --model SPEC            builtin:all-minilm-l6-v2 (default), a path or a URI",
          "  --batch-size N          rows per model call (default spark.ember.batchSize)",
          "  --overwrite             replace the output folder if it exists",
          "  --show N                print N output rows (default 0)",
          "  --conf KEY=VALUE        any Spark or spark.ember.* setting (repeatable)");

  static final List<String> INPUT_FORMATS = List.of("text", "csv", "json", "parquet");
  static final List<String> OUTPUT_FORMATS = List.of("parquet", "json");

  static EmbedJobArgs parse(String[] args) {
    Flags f = Flags.parse(args, Set.of("--input", "--input-format", "--text-col", "--output",
        "--output-format", "--model", "--batch-size", "--show"), Set.of("--overwrite"));
    String input = f.required("--input");
    String output = f.required("--output");
    String inFmt = f.oneOf("--input-format", INPUT_FORMATS, "text");
    String outFmt = f.oneOf("--output-format", OUTPUT_FORMATS, "parquet");
    String textCol = f.get("--text-col", null);
    if (!inFmt.equals("text") && textCol == null) {
      throw new IllegalArgumentException(
          "--text-col is required for --input-format " + inFmt + " (name the text column)");
    }
    return new EmbedJobArgs(input, inFmt, textCol, output, outFmt, f.get("--model", null),
        f.positive("--batch-size", null), f.on("--overwrite"), f.atLeastZero("--show", 0),
        f.conf);
  }
}
