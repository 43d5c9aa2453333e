package dev.ember.spark.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code docs/configuration.md} from the entries declared in {@link EmberConf}: one table
 * row per public key, in declaration order. A unit test fails when the checked-in page differs from
 * {@link #render()}; regenerate it with {@link #REGENERATE_COMMAND} or {@code EmberConf.main(new
 * String[] {"docs/configuration.md"})}.
 */
public final class ConfigDocs {
  /** Where the page lives, relative to the repository root. */
  public static final String PAGE = "docs/configuration.md";

  /** The command, run from the repository root, that rewrites {@link #PAGE}. */
  public static final String REGENERATE_COMMAND =
      "mvn -q -pl spark-plugin -am test -Dtest=ConfigDocsTest"
          + " -Dsurefire.failIfNoSpecifiedTests=false -Dember.docs.regenerate=true";

  private static final String INTRO =
      """
      # Configuration

      Ember reads its settings from the Spark configuration. Every key starts with
      `spark.ember.` and is set like any other Spark setting, for example
      `spark-submit --conf spark.ember.batchSize=128`. Ember checks every `spark.ember.*` key
      when the application starts: a misspelt key or a value that is not allowed fails with a
      message that names the key, the value and what is allowed.

      Scope: a *startup* key is read once, when the driver and executors start; set it before
      the application starts (`spark-submit --conf`, `spark-defaults.conf` or the
      `SparkSession` builder). A *runtime* key can also be changed in a running session with
      `spark.conf.set(...)`.

      """;

  private ConfigDocs() {}

  /**
   * Writes the page to {@code args[0]}, or to {@link #PAGE} relative to the working directory.
   *
   * @throws IOException if the file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path page = Path.of(args.length > 0 ? args[0] : PAGE);
    if (page.getParent() != null) {
      Files.createDirectories(page.getParent());
    }
    Files.writeString(page, render(), StandardCharsets.UTF_8);
  }

  /** The page for Ember's registry. */
  public static String render() {
    return render(EmberConf.entries());
  }

  static String render(List<ConfEntry<?>> entries) {
    StringBuilder md = new StringBuilder();
    md.append("<!-- Generated from dev.ember.spark.conf.EmberConf; do not edit. Regenerate with:\n")
        .append("     ")
        .append(REGENERATE_COMMAND)
        .append(" -->\n\n");
    md.append(INTRO);
    md.append("| Key | Default | Allowed values | Scope | Since | Description |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (ConfEntry<?> entry : entries) {
      if (entry.isInternal()) {
        continue;
      }
      md.append("| `")
          .append(entry.key())
          .append("` | ")
          .append(defaultCell(entry.defaultString()))
          .append(" | ")
          .append(cell(entry.allowed()))
          .append(" | ")
          .append(entry.isStartupOnly() ? "startup" : "runtime")
          .append(" | ")
          .append(cell(entry.since()))
          .append(" | ")
          .append(cell(entry.doc()))
          .append(" |\n");
    }
    return md.toString();
  }

  private static String defaultCell(String value) {
    if (value.equals("(none)")) {
      return "(none)";
    }
    if (value.isEmpty()) {
      return "(empty)";
    }
    return "`" + value.replace("|", "\\|") + "`";
  }

  /** Keeps a cell on one table row: no line breaks, pipes escaped. */
  private static String cell(String text) {
    return text.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
  }
}
