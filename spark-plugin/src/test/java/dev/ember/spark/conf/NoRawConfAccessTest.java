package dev.ember.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Configuration is read only through {@link EmberConf}: no system properties, no environment
 * variables, and no {@code spark.ember.*} key read by its literal name outside this package.
 */
class NoRawConfAccessTest {
  private static final Pattern EVERYWHERE =
      Pattern.compile("System\\s*\\.\\s*(getProperty|getenv)");
  private static final Pattern OUTSIDE_CONF =
      Pattern.compile("\\.\\s*get\\w*\\s*\\(\\s*\"spark\\.ember\\.");
  private static final String CONF_PACKAGE = "dev/ember/spark/conf/";

  /** Violations in one source file, as "path:line: text". */
  static List<String> violations(String path, String source) {
    boolean inConfPackage = path.replace('\\', '/').contains(CONF_PACKAGE);
    List<String> found = new ArrayList<>();
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (EVERYWHERE.matcher(line).find()
          || (!inConfPackage && OUTSIDE_CONF.matcher(line).find())) {
        found.add(path + ":" + (i + 1) + ": " + line.trim());
      }
    }
    return found;
  }

  @Test
  void mainSourcesReadConfigurationOnlyThroughEmberConf() throws IOException {
    Path main = Path.of("src/main/java");
    if (!Files.isDirectory(main)) {
      main = Path.of("spark-plugin/src/main/java");
    }
    assertTrue(Files.isDirectory(main), "sources not found from " + Path.of("").toAbsolutePath());
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(main)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        found.addAll(violations(file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
      }
    }
    assertEquals(
        List.of(),
        found,
        "read configuration through EmberConf.get(EmberConf.SOME_ENTRY); declare new keys in"
            + " dev.ember.spark.conf.EmberConf");
  }

  @Test
  void theScanCatchesEachForm() {
    String plugin = "src/main/java/dev/ember/spark/EmberPlugin.java";
    assertEquals(1, violations(plugin, "int n = conf.get(\"spark.ember.batchSize\");").size());
    assertEquals(1, violations(plugin, "conf.getInt( \"spark.ember.batchSize\", 1)").size());
    assertEquals(1, violations(plugin, "String h = System.getenv(\"HOME\");").size());
    assertEquals(1, violations(plugin, "System.getProperty(\"user.dir\")").size());
    assertEquals(0, violations(plugin, "conf.get(EmberConf.BATCH_SIZE)").size());
    String confClass = "src/main/java/dev/ember/spark/conf/Other.java";
    assertEquals(0, violations(confClass, "settings.get(\"spark.ember.batchSize\")").size());
    assertEquals(1, violations(confClass, "System.getenv(\"X\")").size());
  }
}
