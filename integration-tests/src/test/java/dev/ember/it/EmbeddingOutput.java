package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The rows EmbedJob wrote as JSON lines ({@code --output-format json}), read back from every {@code
 * part-*} file of the output folder: by line number, with the lines seen more than once.
 */
record EmbeddingOutput(Map<Long, Row> rows, List<Long> duplicates, int total) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One output row: the input line's text and its embedding (null for blank text). */
  record Row(String text, float[] embedding) {}

  static EmbeddingOutput read(Path dir) {
    assertTrue(Files.exists(dir.resolve("_SUCCESS")), "no _SUCCESS in " + dir);
    Map<Long, Row> rows = new TreeMap<>();
    List<Long> duplicates = new ArrayList<>();
    int total = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path part :
          files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
        for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode n = JSON.readTree(line);
          long key = n.path("line").asLong();
          total++;
          if (rows.put(key, new Row(n.path("text").asText(), floats(n.get("embedding")))) != null) {
            duplicates.add(key);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
    return new EmbeddingOutput(rows, duplicates, total);
  }

  private static float[] floats(JsonNode array) {
    if (array == null || array.isNull()) {
      return null;
    }
    float[] f = new float[array.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) array.get(i).asDouble();
    }
    return f;
  }

  /** Exactly one row per input line, in the input's numbering, with the line's text. */
  void assertEveryLineOnce(List<String> input) {
    assertEquals(List.of(), duplicates, "lines written more than once");
    assertEquals(input.size(), total, "output rows != input rows");
    assertEquals(input.size(), rows.size(), "distinct lines");
    for (int i = 0; i < input.size(); i++) {
      Row r = rows.get((long) i);
      assertTrue(r != null, "line " + i + " missing");
      assertEquals(input.get(i), r.text(), "text of line " + i);
    }
  }

  /** Every embedding has cosine >= {@code minCosine} with the reference's; returns the lowest. */
  double assertMatches(EmbeddingOutput reference, double minCosine) {
    assertEquals(reference.rows().keySet(), rows.keySet(), "same lines as the reference");
    double lowest = 1.0;
    for (Map.Entry<Long, Row> e : rows.entrySet()) {
      float[] a = e.getValue().embedding();
      float[] b = reference.rows().get(e.getKey()).embedding();
      if (a == null || b == null) {
        assertEquals(b == null, a == null, "null embedding of line " + e.getKey());
        continue;
      }
      double c = cosine(a, b);
      lowest = Math.min(lowest, c);
      assertTrue(c >= minCosine, "line " + e.getKey() + ": cosine " + c + " < " + minCosine);
    }
    return lowest;
  }

  static double cosine(float[] a, float[] b) {
    assertEquals(a.length, b.length, "embedding sizes");
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
