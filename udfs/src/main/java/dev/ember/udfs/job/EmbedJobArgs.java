package dev.ember.udfs.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    Map<String, String> opts = new LinkedHashMap<>();
    Map<String, String> conf = new LinkedHashMap<>();
    boolean overwrite = false;
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--overwrite":
          overwrite = true;
          break;
        case "--conf":
          String kv = value(args, ++i, a);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--conf needs KEY=VALUE, got '" + kv + "'");
          }
          conf.put(kv.substring(0, eq), kv.substring(eq + 1));
          break;
        case "--input":
        case "--input-format":
        case "--text-col":
        case "--output":
        case "--output-format":
        case "--model":
        case "--batch-size":
        case "--show":
          opts.put(a, value(args, ++i, a));
          break;
        default:
          unknown.add(a);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + unknown);
    }
    String input = required(opts, "--input");
    String output = required(opts, "--output");
    String inFmt = opts.getOrDefault("--input-format", "text").toLowerCase();
    String outFmt = opts.getOrDefault("--output-format", "parquet").toLowerCase();
    check(INPUT_FORMATS, inFmt, "--input-format");
    check(OUTPUT_FORMATS, outFmt, "--output-format");
    String textCol = opts.get("--text-col");
    if (!inFmt.equals("text") && textCol == null) {
      throw new IllegalArgumentException(
          "--text-col is required for --input-format " + inFmt + " (name the text column)");
    }
    Integer batch = null;
    if (opts.containsKey("--batch-size")) {
      try {
        batch = Integer.parseInt(opts.get("--batch-size"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--batch-size must be a positive integer, got '" + opts.get("--batch-size") + "'");
      }
      if (batch < 1) {
        throw new IllegalArgumentException("--batch-size must be >= 1, got " + batch);
      }
    }
    int show = 0;
    if (opts.containsKey("--show")) {
      try {
        show = Integer.parseInt(opts.get("--show"));
      } catch (NumberFormatException e) {
        show = -1;
      }
      if (show < 0) {
        throw new IllegalArgumentException(
            "--show must be a number >= 0, got '" + opts.get("--show") + "'");
      }
    }
    return new EmbedJobArgs(
        input, inFmt, textCol, output, outFmt, opts.get("--model"), batch, overwrite, show, conf);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static String required(Map<String, String> opts, String flag) {
    String v = opts.get(flag);
    if (v == null) {
      throw new IllegalArgumentException(flag + " is required");
    }
    return v;
  }

  private static void check(List<String> allowed, String v, String flag) {
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException(flag + " must be one of " + allowed + ", got '" + v + "'");
    }
  }
}
