package dev.ember.udfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sample corpus shipped in the repo (WordNet 3.0 glosses, see data/sample/NOTICE). */
final class Corpus {
  static final Path SAMPLE = Path.of("..", "data", "sample", "wordnet-glosses.txt");

  private Corpus() {}

  static List<String> lines(int n) {
    try {
      List<String> all = Files.readAllLines(SAMPLE);
      return all.subList(0, Math.min(n, all.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
