package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What it takes to start a Spark JVM on this machine: a {@code SPARK_HOME}-style folder whose
 * {@code jars/} holds Spark's classpath (module {@code spark-dist} lays it out as {@code
 * spark-dist/target/spark-home}), the {@code java} binary and the Java 17 flags Spark needs (the
 * root pom's {@code spark.java17.opens}). Immutable.
 *
 * <pre>{@code
 * SparkRuntime spark = SparkRuntime.fromRepository(Path.of("/src/ember"));
 * List<String> cmd = spark.javaCommand(confDir, "256m", List.of(), Master.class.getName());
 * }</pre>
 */
public record SparkRuntime(Path home, Path javaBin, List<String> javaOptions) {
  private static final Pattern OPENS_PROPERTY =
      Pattern.compile("<spark\\.java17\\.opens>(.*?)</spark\\.java17\\.opens>", Pattern.DOTALL);

  public SparkRuntime {
    javaOptions = List.copyOf(javaOptions);
    if (!Files.isDirectory(home.resolve("jars"))) {
      throw new IllegalArgumentException(
          "SparkRuntime: no Spark jars in "
              + home.resolve("jars")
              + "; build them with"
              + " 'mvn -pl spark-dist package' (copy-dependencies lays out spark-home/jars)");
    }
  }

  /**
   * The runtime of an Ember checkout: {@code spark-dist/target/spark-home}, the {@code java} that
   * runs this JVM, and the opens list read from the root {@code pom.xml}.
   */
  public static SparkRuntime fromRepository(Path root) {
    Path pom = root.resolve("pom.xml");
    String text;
    try {
      text = Files.readString(pom, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("SparkRuntime: cannot read " + pom, e);
    }
    Matcher m = OPENS_PROPERTY.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException("SparkRuntime: no <spark.java17.opens> in " + pom);
    }
    return new SparkRuntime(
        root.resolve("spark-dist/target/spark-home"), currentJava(), splitOptions(m.group(1)));
  }

  /** The {@code java} binary of this JVM. */
  public static Path currentJava() {
    return ProcessHandle.current().info().command().map(Path::of).orElse(Path.of("java"));
  }

  static List<String> splitOptions(String options) {
    return Arrays.stream(options.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  /** {@code SPARK_HOME/jars}. */
  public Path jars() {
    return home.resolve("jars");
  }

  /**
   * {@code java -Xmx<heap> <java options> <extra> -cp <confDir>:<jars>/* <mainClass>}: the conf
   * folder first, as Spark's launcher puts {@code SPARK_CONF_DIR}, so its {@code log4j2.properties}
   * wins over the one inside Spark's jars.
   */
  public List<String> javaCommand(Path confDir, String heap, List<String> extra, String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin.toString());
    cmd.add("-Xmx" + heap);
    cmd.addAll(javaOptions);
    cmd.addAll(extra);
    cmd.add("-cp");
    cmd.add(confDir + ":" + jars() + "/*");
    cmd.add(mainClass);
    return cmd;
  }

  /**
   * The environment every Spark process of the harness gets: loopback binding, {@code SPARK_HOME}
   * and the Scala version (a Worker needs both to build an executor's classpath).
   */
  public Map<String, String> environment(Path confDir) {
    return Map.of(
        "SPARK_HOME",
        home.toString(),
        "SPARK_SCALA_VERSION",
        "2.12",
        "SPARK_LOCAL_IP",
        "127.0.0.1",
        "SPARK_CONF_DIR",
        confDir.toString());
  }
}
