package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Where the cluster tests find their inputs, set by Failsafe (see this module's pom). */
final class ItEnv {
  private ItEnv() {}

  /** The checkout's root. */
  static Path root() {
    return Path.of(System.getProperty("ember.root", "..")).toAbsolutePath().normalize();
  }

  /** Scratch space of this run: clusters, inputs, outputs ({@code target/it}). */
  static Path itDir() {
    return Path.of(System.getProperty("ember.it.dir", "target/it")).toAbsolutePath().normalize();
  }

  /** Ember's shaded job jar of this checkout; fails with the command that builds it. */
  static Path jobJar() {
    Path jar =
        Path.of(
            System.getProperty(
                "ember.job.jar",
                root().resolve("udfs/target/ember-udfs-0.1.0-SNAPSHOT-all.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no job jar at "
              + jar
              + "; build it first: mvn -o -pl udfs,spark-dist -am package -DskipTests");
    }
    return jar;
  }

  static SparkRuntime spark() {
    return SparkRuntime.fromRepository(root());
  }

  /** The sample corpus's first {@code n} lines, as a file (written once per run). */
  static synchronized Path firstLines(int n) {
    Path file = itDir().resolve("input/glosses-" + n + ".txt");
    try {
      if (!Files.exists(file)) {
        List<String> lines = corpusLines().subList(0, n);
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> corpusLines() {
    try {
      return Files.readAllLines(
          root().resolve("data/sample/wordnet-glosses.txt"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh output folder (not created: the job creates it). */
  static Path output(String name) {
    return itDir().resolve("output").resolve(name + "-" + System.nanoTime());
  }

  /** Prints and records one scenario's time ({@code target/it/timings.txt}). */
  static synchronized void timing(String scenario, double seconds) {
    String line = String.format(Locale.ROOT, "%-58s %6.1f s", scenario, seconds);
    System.out.println("[ember-it] " + line);
    try {
      Files.createDirectories(itDir());
      Files.writeString(
          itDir().resolve("timings.txt"),
          line + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static double secondsSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1e9;
  }
}
