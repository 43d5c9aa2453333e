package dev.ember.executor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The ONNX backend node tests copied under test resources, one folder per test, from every
 * selection (wave 1: {@code onnx-node-tests}, wave 2 with quantization and ai.onnx.ml:
 * {@code onnx-node-tests-wave2}), and the shared excludes file. Every suite that runs node tests
 * lists them here, so a new selection reaches all of them at once.
 */
public final class NodeTestFolders {
  /** Test resource folders holding node tests, each with its own LICENSE and NOTICE. */
  public static final List<String> ROOTS = List.of("onnx-node-tests", "onnx-node-tests-wave2");

  private NodeTestFolders() {}

  /** Every test folder (one holding model.onnx) of every selection, sorted by test name. */
  public static List<Path> all() {
    List<Path> out = new ArrayList<>();
    for (String root : ROOTS) {
      try (Stream<Path> s = Files.list(resource(root))) {
        s.filter(p -> Files.exists(p.resolve("model.onnx"))).forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  /**
   * Test name to reason for the tests no backend runs, from conformance-excludes.txt ('test_name |
   * reason' per line).
   */
  public static Map<String, String> excludes() {
    return excludes(null);
  }

  /**
   * Test name to reason for the tests {@code backend} does not pass: the lines of every backend,
   * plus that backend's own ('[backend] test_name | reason'). Null for the shared lines only.
   */
  public static Map<String, String> excludes(String backend) {
    Map<String, String> out = new TreeMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(resource("conformance-excludes.txt"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String tag = null;
      if (l.startsWith("[")) {
        int close = l.indexOf(']');
        if (close < 0) {
          throw new IllegalStateException("exclude needs '[backend] test_name | reason': " + l);
        }
        tag = l.substring(1, close).strip();
        l = l.substring(close + 1).strip();
      }
      int bar = l.indexOf('|');
      if (bar < 0 || l.substring(bar + 1).isBlank()) {
        throw new IllegalStateException("exclude needs 'test_name | reason': " + l);
      }
      if (tag == null || tag.equals(backend)) {
        out.put(l.substring(0, bar).strip(), l.substring(bar + 1).strip());
      }
    }
    return out;
  }

  /** A test resource as a path (the resources are plain files under target/test-classes). */
  public static Path resource(String name) {
    var url = NodeTestFolders.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new UncheckedIOException(new IOException("test resource missing: " + name));
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("bad resource URL " + url, e);
    }
  }
}
