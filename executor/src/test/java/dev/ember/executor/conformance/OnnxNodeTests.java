package dev.ember.executor.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.testing.NodeTestFolders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs ONNX's own backend node tests (every selection in {@link NodeTestFolders}, copied under
 * test resources with their NOTICE) through the interpreter. Every folder passes or is listed in
 * conformance-excludes.txt with a reason. {@code -Dnodetests.filter=<regex>} narrows the run while
 * working on one op.
 */
class OnnxNodeTests {

  @Test
  void interpreterPassesOnnxNodeTests() throws Exception {
    Map<String, String> excluded = NodeTestFolders.excludes();
    String filter = System.getProperty("nodetests.filter", ".*");
    List<Path> folders = NodeTestFolders.all().stream()
        .filter(p -> p.getFileName().toString().matches(filter)).toList();
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
}
