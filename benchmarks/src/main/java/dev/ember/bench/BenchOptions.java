package dev.ember.bench;

import dev.ember.executor.text.ModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one benchmark run measures, from the command line of {@code bin/ember bench}.
 *
 * @param input the text file, one sentence per line
 * @param rows how many of its first lines to embed
 * @param levels Ember compile levels to measure, ascending, each 0 to 3
 * @param level0Rows rows for level 0 (the interpreter is slow); see {@link #interpreterRows()}
 * @param workers Ember worker threads sharing one embedder (Spark's task slots)
 * @param ortThreads ONNX Runtime intra-op threads
 * @param out where the Markdown table is written too, or null
 * @param model the sentence encoder, as a model spec ({@code builtin:all-minilm-l6-v2} or its int8
 *     export {@code builtin:all-minilm-l6-v2-q}, or a local folder)
 */
record BenchOptions(
    Path input,
    int rows,
    List<Integer> levels,
    int level0Rows,
    int workers,
    int ortThreads,
    Path out,
    String model) {

  static final Path DEFAULT_INPUT = Path.of("data/sample/wordnet-glosses.txt");
  static final int DEFAULT_ROWS = 4000;
  static final int DEFAULT_LEVEL0_ROWS = 400;

  static final String USAGE =
      "usage: bin/ember bench [--rows N] [--levels 0,1,2,3] [--level0-rows N] [--workers N]\n"
          + "                       [--input FILE] [--out FILE.md] [--model SPEC]\n"
          + "  --rows N         first N lines of the input (default 4000)\n"
          + "  --levels L,...   Ember compile levels to measure (default 0,1,2,3)\n"
          + "  --level0-rows N  rows the interpreter (level 0) runs on (default 400)\n"
          + "  --workers N      Ember threads sharing one embedder (default: the cores)\n"
          + "  --input FILE     one sentence per line (default data/sample/wordnet-glosses.txt)\n"
          + "  --out FILE.md    also write the table there\n"
          + "  --model SPEC     the encoder (default builtin:all-minilm-l6-v2; its int8 export is\n"
          + "                   builtin:all-minilm-l6-v2-q)";

  BenchOptions {
    levels = List.copyOf(levels);
    if (rows < 1) {
      throw new IllegalArgumentException("--rows must be >= 1, but was " + rows);
    }
    if (levels.isEmpty()) {
      throw new IllegalArgumentException("--levels must name at least one level");
    }
    for (int i = 0; i < levels.size(); i++) {
      int l = levels.get(i);
      if (l < 0 || l > 3 || i > 0 && l <= levels.get(i - 1)) {
        throw new IllegalArgumentException(
            "--levels must be ascending levels 0 to 3, like 0,1,2,3, but was " + levels);
      }
    }
    if (level0Rows < 1) {
      throw new IllegalArgumentException("--level0-rows must be >= 1, but was " + level0Rows);
    }
    if (workers < 1) {
      throw new IllegalArgumentException("--workers must be >= 1, but was " + workers);
    }
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("--model needs a model spec");
    }
    if (ortThreads < 1) {
      throw new IllegalArgumentException("ortThreads must be >= 1, but was " + ortThreads);
    }
  }

  /** The rows level 0 runs on: {@code level0Rows}, at most {@code rows}. */
  int interpreterRows() {
    return Math.min(level0Rows, rows);
  }

  /** The defaults, with both engines using every core. */
  static BenchOptions defaults() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new BenchOptions(
        DEFAULT_INPUT, DEFAULT_ROWS, List.of(0, 1, 2, 3), DEFAULT_LEVEL0_ROWS, cores, cores, null,
        ModelSpec.DEFAULT);
  }

  /**
   * Parses {@code args} over {@link #defaults()}.
   *
   * @throws IllegalArgumentException naming the bad argument
   */
  static BenchOptions parse(String[] args) {
    BenchOptions o = defaults();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value (or is unknown)\n" + USAGE);
      }
      String v = args[++i];
      o =
          switch (flag) {
            case "--rows" -> o.withRows(integer(flag, v));
            case "--levels" -> o.withLevels(levels(v));
            case "--level0-rows" -> o.withLevel0Rows(integer(flag, v));
            case "--workers" -> o.withWorkers(integer(flag, v));
            case "--input" -> o.withInput(Path.of(v));
            case "--out" -> o.withOut(Path.of(v));
            case "--model" -> o.withModel(v);
            default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
          };
    }
    return o;
  }

  BenchOptions withRows(int n) {
    return new BenchOptions(input, n, levels, level0Rows, workers, ortThreads, out, model);
  }

  BenchOptions withLevels(List<Integer> l) {
    return new BenchOptions(input, rows, l, level0Rows, workers, ortThreads, out, model);
  }

  BenchOptions withLevel0Rows(int n) {
    return new BenchOptions(input, rows, levels, n, workers, ortThreads, out, model);
  }

  BenchOptions withWorkers(int n) {
    return new BenchOptions(input, rows, levels, level0Rows, n, ortThreads, out, model);
  }

  BenchOptions withInput(Path p) {
    return new BenchOptions(p, rows, levels, level0Rows, workers, ortThreads, out, model);
  }

  BenchOptions withOut(Path p) {
    return new BenchOptions(input, rows, levels, level0Rows, workers, ortThreads, p, model);
  }

  BenchOptions withModel(String spec) {
    return new BenchOptions(input, rows, levels, level0Rows, workers, ortThreads, out, spec);
  }

  private static int integer(String flag, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, but was '" + v + "'");
    }
  }

  private static List<Integer> levels(String v) {
    List<Integer> out = new ArrayList<>();
    for (String part : v.split(",")) {
      out.add(integer("--levels", part));
    }
    return out;
  }
}
