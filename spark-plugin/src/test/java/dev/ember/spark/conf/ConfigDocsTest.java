package dev.ember.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

  /** The repository root: tests run in {@code spark-plugin/}, IDEs sometimes in the root. */
  static Path repoRoot() {
    Path cwd = Path.of("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("spark-plugin")) ? cwd : cwd.getParent();
  }

  @Test
  void checkedInPageIsUpToDate() throws IOException {
    Path page = repoRoot().resolve(ConfigDocs.PAGE);
    String expected = ConfigDocs.render();
    if (Boolean.getBoolean("ember.docs.regenerate")) {
      ConfigDocs.main(new String[] {page.toString()});
    }
    String actual = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : "";
    if (!expected.equals(actual)) {
      fail(
          page
              + " is out of date with EmberConf ("
              + firstDifference(expected, actual)
              + "). Regenerate it from the repository root with:\n  "
              + ConfigDocs.REGENERATE_COMMAND
              + "\nand commit the result.");
    }
  }

  private static String firstDifference(String expected, String actual) {
    String[] want = expected.split("\n", -1);
    String[] have = actual.split("\n", -1);
    for (int i = 0; i < Math.max(want.length, have.length); i++) {
      String w = i < want.length ? want[i] : "<end of page>";
      String h = i < have.length ? have[i] : "<end of page>";
      if (!w.equals(h)) {
        return "line " + (i + 1) + " should be\n  " + w + "\nbut is\n  " + h + "\n";
      }
    }
    return "same lines";
  }

  @Test
  void onePublicRowPerKeyInternalKeysLeftOut() {
    ConfRegistry registry = new ConfRegistry();
    registry
        .conf("spark.ember.t.pub")
        .doc("Public | key\nwith two lines.")
        .since("0.1.0")
        .startupOnly()
        .intListConf()
        .createWithDefault(List.of(1, 8));
    registry
        .conf("spark.ember.t.hidden")
        .doc("internal")
        .since("0.1.0")
        .internal()
        .booleanConf()
        .createWithDefault(true);
    registry.conf("spark.ember.t.opt").doc("optional").since("0.2.0").stringConf().createOptional();
    String md = ConfigDocs.render(registry.entries());
    assertTrue(md.startsWith("<!-- Generated from dev.ember.spark.conf.EmberConf; do not edit."));
    assertTrue(
        md.contains(
            "| `spark.ember.t.pub` | `1,8` | a comma-separated list of integers | startup | 0.1.0"
                + " | Public \\| key with two lines. |\n"),
        md);
    assertTrue(md.contains("| `spark.ember.t.opt` | (none) | a string | runtime | 0.2.0 |"), md);
    assertFalse(md.contains("spark.ember.t.hidden"), md);
  }

  @Test
  void everyPublicKeyOfEmberConfHasARow() {
    String md = ConfigDocs.render();
    for (ConfEntry<?> entry : EmberConf.entries()) {
      assertEquals(!entry.isInternal(), md.contains("| `" + entry.key() + "` |"), entry.key());
    }
  }
}
