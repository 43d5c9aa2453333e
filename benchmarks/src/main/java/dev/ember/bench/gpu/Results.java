package dev.ember.bench.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the device check found, saved as {@code gpu-check.json} and {@code gpu-check.md} after
 * every section, so a run cut short by its timeout still leaves what it measured. Also prints
 * timestamped progress lines.
 */
final class Results {
  private final Path dir;
  private final Instant start = Instant.now();
  private final Map<String, Object> root = new LinkedHashMap<>();
  private final List<String> markdown = new ArrayList<>();

  Results(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    root.put("started", start.toString());
  }

  /** Prints {@code message} with the seconds since start. */
  void progress(String message) {
    double s = Duration.between(start, Instant.now()).toMillis() / 1000.0;
    System.out.printf(Locale.ROOT, "[%s +%6.1fs] %s%n", Instant.now(), s, message);
    System.out.flush();
  }

  void put(String key, Object value) {
    root.put(key, value);
  }

  /** What was put under {@code key}, or null. */
  Object get(String key) {
    return root.get(key);
  }

  void markdown(String lines) {
    markdown.add(lines);
  }

  /** Writes both files; never throws (a failed write is reported and the check goes on). */
  void save() {
    root.put("elapsedSeconds", Duration.between(start, Instant.now()).toMillis() / 1000.0);
    try {
      Files.writeString(dir.resolve("gpu-check.json"), Json.write(root) + "\n",
          StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("gpu-check.md"),
          "# Ember GPU check\n\n" + String.join("\n", markdown) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      System.err.println("gpu-check: could not write results to " + dir + ": " + e);
    }
  }
}
