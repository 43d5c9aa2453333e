package dev.ember.bench;

import dev.ember.executor.text.TextTokenizer;
import dev.ember.executor.text.TokenBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The benchmark's sentences and their token counts from Ember's {@link TextTokenizer}, and the
 * batch plans every engine follows: lists of row indices, one list per forward pass.
 */
final class Corpus {
  private final List<String> texts;
  private final int[] lengths;

  private Corpus(List<String> texts, int[] lengths) {
    this.texts = List.copyOf(texts);
    this.lengths = lengths;
  }

  /**
   * The first {@code rows} non-blank lines of {@code file} (UTF-8), tokenized once to learn their
   * lengths.
   *
   * @throws IllegalArgumentException when the file has fewer such lines
   */
  static Corpus read(Path file, int rows, TextTokenizer tokenizer) throws IOException {
    List<String> texts = new ArrayList<>(rows);
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (texts.size() == rows) {
        break;
      }
      if (!line.isBlank()) {
        texts.add(line);
      }
    }
    if (texts.size() < rows) {
      throw new IllegalArgumentException(
          file + " has only " + texts.size() + " non-blank lines; ask for --rows " + texts.size());
    }
    return of(texts, tokenizer);
  }

  static Corpus of(List<String> texts, TextTokenizer tokenizer) {
    TokenBatch all = tokenizer.encodeBatch(texts);
    int[] lengths = new int[texts.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = all.length(i);
    }
    return new Corpus(texts, lengths);
  }

  /** The first {@code n} rows. */
  Corpus head(int n) {
    return n >= size() ? this : new Corpus(texts.subList(0, n), Arrays.copyOf(lengths, n));
  }

  int size() {
    return texts.size();
  }

  String text(int row) {
    return texts.get(row);
  }

  /** The texts of {@code rows}, in that order. */
  List<String> texts(int[] rows) {
    List<String> out = new ArrayList<>(rows.length);
    for (int r : rows) {
      out.add(texts.get(r));
    }
    return out;
  }

  /** Tokens of row {@code row}, special tokens included, truncated at the tokenizer's limit. */
  int length(int row) {
    return lengths[row];
  }

  /** Tokens of all rows before padding. */
  long realTokens() {
    long n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }

  /** The token count at quantile {@code q} (0 to 1) of the rows. */
  int lengthQuantile(double q) {
    int[] sorted = lengths.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  /**
   * The forward passes of {@code batching}: corpus order cuts the rows as they come; length-sorted
   * first orders them by token count, ties in row order (as {@code SentenceEmbedder} does), so that
   * both engines see the same batches.
   */
  List<int[]> plan(Batching batching) {
    Integer[] order = new Integer[size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (batching == Batching.LENGTH_SORTED) {
      Arrays.sort(order, Comparator.comparingInt(i -> lengths[i])); // stable
    }
    List<int[]> batches = new ArrayList<>();
    int per = batching.rowsPerBatch();
    for (int from = 0; from < order.length; from += per) {
      int to = Math.min(order.length, from + per);
      int[] b = new int[to - from];
      for (int k = from; k < to; k++) {
        b[k - from] = order[k];
      }
      batches.add(b);
    }
    return batches;
  }

  /**
   * Up to {@code count} batches of {@code plan} spread evenly over it (short and long ones when it
   * is length-sorted), in plan order: a warm-up for the JIT and ONNX Runtime's arenas.
   */
  static List<int[]> spread(List<int[]> plan, int count) {
    int n = Math.min(count, plan.size());
    List<int[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(plan.get((int) ((long) i * plan.size() / n)));
    }
    return out;
  }

  /**
   * The first batch of each of the first {@code limit} distinct padded shapes (rows x longest row)
   * of {@code plan}, in plan order.
   */
  List<int[]> distinctShapes(List<int[]> plan, int limit) {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    List<int[]> out = new ArrayList<>();
    for (int[] b : plan) {
      int longest = 0;
      for (int r : b) {
        longest = Math.max(longest, lengths[r]);
      }
      if (seen.size() == limit) {
        break;
      }
      if (seen.add(((long) b.length << 32) | longest)) {
        out.add(b);
      }
    }
    return out;
  }

  /** Rows in {@code plan}. */
  static int rows(List<int[]> plan) {
    int n = 0;
    for (int[] b : plan) {
      n += b.length;
    }
    return n;
  }

  /** Padded tokens of {@code plan}: each batch padded to its own longest row. */
  long paddedTokens(List<int[]> plan) {
    long n = 0;
    for (int[] b : plan) {
      int longest = 0;
      for (int r : b) {
        longest = Math.max(longest, lengths[r]);
      }
      n += (long) longest * b.length;
    }
    return n;
  }
}
