package dev.ember.udfs.job;

import dev.ember.executor.errors.Redaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs SQL with Ember's functions on ({@code bin/ember sql -e "QUERY"} or {@code -f file.sql}):
 * the statements of a file run in order, separated by semicolons at line ends, and the last one's
 * result is printed.
 */
public final class SqlJob {
  static final String USAGE = String.join("\n",
      "usage: SqlJob (-e QUERY | -f FILE) [options]",
      "  -e QUERY                the SQL to run",
      "  -f FILE                 a file of statements separated by ';' at line ends",
      "  --max-rows N            rows to print (default 20)",
      "  --truncate N            cut printed values to N characters, 0 for none (default 60)",
      "  --conf KEY=VALUE        any Spark or spark.ember.* setting (repeatable)");

  private SqlJob() {}

  public static void main(String[] args) {
    Flags f;
    String sql;
    try {
      f = Flags.parse(args, Set.of("-e", "-f", "--max-rows", "--truncate"), Set.of());
      if (f.values.containsKey("-e") == f.values.containsKey("-f")) {
        throw new IllegalArgumentException("give exactly one of -e QUERY and -f FILE");
      }
      sql = f.values.containsKey("-e") ? f.get("-e", "")
          : Files.readString(Path.of(f.get("-f", "")), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("SqlJob: " + Redaction.redact(String.valueOf(e.getMessage())) + "\n"
          + USAGE);
      System.exit(2);
      return;
    }
    SparkSession.Builder builder = SparkSession.builder().appName("ember-sql");
    f.conf.forEach(builder::config);
    int rc = 0;
    SparkSession spark = null;
    try {
      spark = builder.getOrCreate();
      Dataset<Row> last = null;
      for (String statement : sql.split(";\\s*(\\n|$)")) {
        if (!statement.isBlank()) {
          last = spark.sql(statement);
        }
      }
      if (last != null) {
        last.show(f.positive("--max-rows", 20), Integer.parseInt(f.get("--truncate", "60")));
      }
    } catch (Exception e) { // Scala code throws checked exceptions undeclared
      System.err.println("SqlJob failed: " + EmbedJob.causes(e));
      rc = 1;
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    if (rc != 0) {
      System.exit(rc);
    }
  }
}
