package dev.ember.executor.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs ONNX's own backend node tests (copied under test resources with their NOTICE) through the
 * interpreter. Every folder passes or is listed in conformance-excludes.txt with a reason.
 * {@code -Dnodetests.filter=<regex>} narrows the run while working on one op.
 */
class OnnxNodeTests {

  @Test
  void interpreterPassesOnnxNodeTests() throws Exception {
    Path root = resource("onnx-node-tests");
    Map<String, String> excluded = excludes();
    String filter = System.getProperty("nodetests.filter", ".*");
    List<Path> folders;
    try (Stream<Path> s = Files.list(root)) {
      folders = s.filter(Files::isDirectory)
          .filter(p -> p.getFileName().toString().matches(filter)).sorted().toList();
    }
    int passed = 0;
    int skipped = 0;
    List<String> failures = new ArrayList<>();
    for (Path folder : folders) {
      String name = folder.getFileName().toString();
      if (excluded.containsKey(name)) {
        skipped++;
        continue;
      }
      String problem;
      try {
        problem = NodeTestCase.run(folder);
      } catch (Exception | AssertionError e) {
        problem = e.toString();
      }
      if (problem == null) {
        passed++;
      } else {
        failures.add(name + ": " + problem);
      }
    }
    System.out.printf(
        "ONNX node tests: %d passed, %d failed, %d excluded%n", passed, failures.size(), skipped);
    failures.forEach(f -> System.out.println("  FAILED " + f));
    assertTrue(failures.isEmpty(), failures.size() + " node tests failed:\n"
        + String.join("\n", failures));
    assertTrue(passed > 0 || !filter.equals(".*"), "no node test ran");
  }

  static Map<String, String> excludes() throws IOException, URISyntaxException {
    Map<String, String> out = new TreeMap<>();
    for (String line : Files.readAllLines(resource("conformance-excludes.txt"))) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int bar = l.indexOf('|');
      if (bar < 0 || l.substring(bar + 1).isBlank()) {
        throw new IllegalStateException("exclude needs 'test_name | reason': " + l);
      }
      out.put(l.substring(0, bar).strip(), l.substring(bar + 1).strip());
    }
    return out;
  }

  static Path resource(String name) throws URISyntaxException {
    var url = OnnxNodeTests.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new UncheckedIOException(new IOException("test resource missing: " + name));
    }
    return Path.of(url.toURI());
  }
}
