package dev.ember.executor.ops.doc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.executor.ir.NonTensorOps;
import dev.ember.executor.ops.OpRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SupportedOpsDocTest {
  // Surefire runs with the module folder (executor/) as working directory.
  private static final Path CHECKED_IN = Path.of("..").resolve(SupportedOpsDoc.RELATIVE_PATH);

  @Test
  void checkedInPageMatchesTheRegistry() throws IOException {
    String expected = SupportedOpsDoc.render(OpRegistry.standard());
    String how = "regenerate it with " + SupportedOpsDoc.REGENERATE + " and commit the result";
    if (!Files.exists(CHECKED_IN)) {
      fail(SupportedOpsDoc.RELATIVE_PATH + " is missing; " + how);
    }
    String actual = Files.readString(CHECKED_IN, StandardCharsets.UTF_8);
    if (!expected.equals(actual)) {
      fail(
          SupportedOpsDoc.RELATIVE_PATH
              + " is out of date with OpRegistry ("
              + firstDifference(expected, actual)
              + "); "
              + how);
    }
  }

  @Test
  void rendersOneRowPerOpWithTheGeneratedHeader() {
    String page = SupportedOpsDoc.render(OpRegistry.standard());
    assertTrue(page.contains("Generated, do not edit"), page);
    assertTrue(page.contains("| Add | ai.onnx | 7, 13, 14 | float, uint8,"), page);
    String supported = page.substring(0, page.indexOf("## Refused on purpose"));
    long rows =
        supported.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| Op ")).count();
    assertEquals(OpRegistry.standard().all().size(), rows);
    String refused = page.substring(page.indexOf("## Refused on purpose"));
    assertEquals(NonTensorOps.ALL.size(),
        refused.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| Op ")).count());
    assertTrue(refused.contains("| ZipMap | ai.onnx.ml | "), refused);
    assertEquals(page, SupportedOpsDoc.render(OpRegistry.standard()), "deterministic");
  }

  @Test
  void findsTheRepositoryRootFromASubfolder() {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertEquals(
        root.resolve(SupportedOpsDoc.RELATIVE_PATH),
        SupportedOpsDoc.defaultPath(root.resolve("executor/src/main")));
  }

  private static String firstDifference(String expected, String actual) {
    String[] e = expected.split("\n", -1);
    String[] a = actual.split("\n", -1);
    for (int i = 0; i < Math.max(e.length, a.length); i++) {
      String el = i < e.length ? e[i] : "<end of file>";
      String al = i < a.length ? a[i] : "<end of file>";
      if (!el.equals(al)) {
        return "line " + (i + 1) + ": expected '" + el + "' but the file has '" + al + "'";
      }
    }
    return "line endings differ";
  }
}
