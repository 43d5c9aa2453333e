package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmissionTest {
  @TempDir Path tmp;

  private SparkRuntime spark() throws IOException {
    Files.createDirectories(tmp.resolve("home/jars"));
    return new SparkRuntime(
        tmp.resolve("home"),
        Path.of("java"),
        List.of("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
  }

  @Test
  void clusterModeGivesTheDriverJvmTheJavaFlags() throws IOException {
    List<String> cmd =
        Submission.forMaster(spark(), tmp, tmp.resolve("subs"), "job", "spark://127.0.0.1:7077")
            .deployMode("cluster")
            .jar(Path.of("/j.jar"))
            .args("--input", "x")
            .command();
    String line = String.join(" ", cmd);
    assertTrue(
        line.contains(
            "--conf spark.driver.extraJavaOptions=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
        line);
    assertTrue(line.contains("--conf spark.standalone.submit.waitAppCompletion=true"), line);
    assertTrue(line.endsWith("--class dev.ember.udfs.job.EmbedJob /j.jar --input x"), line);
    assertTrue(line.contains("-Dember.cluster.owner=" + ProcessHandle.current().pid()), line);
  }

  @Test
  void namesAreMadeUnique() throws IOException {
    SparkRuntime spark = spark();
    Submission a = Submission.forMaster(spark, tmp, tmp.resolve("subs"), "job", "local[2]");
    Submission b = Submission.forMaster(spark, tmp, tmp.resolve("subs"), "job", "local[2]");
    assertEquals("job", a.name());
    assertEquals("job-2", b.name());
  }

  @Test
  void appIdComesFromTheDriverLog() {
    assertEquals(
        "app-20261126140600-0000",
        SubmitResult.appId(
            "14:06:00.532 INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID"
                + " app-20261126140600-0000\n"));
  }

  @Test
  void runtimeReadsTheOpensFromTheRootPom() throws IOException {
    Files.createDirectories(tmp.resolve("spark-dist/target/spark-home/jars"));
    Files.writeString(
        tmp.resolve("pom.xml"),
        "<project><properties><spark.java17.opens>"
            + "-XX:+IgnoreUnrecognizedVMOptions  --add-opens=java.base/java.lang=ALL-UNNAMED"
            + "</spark.java17.opens></properties></project>");
    assertEquals(
        List.of("-XX:+IgnoreUnrecognizedVMOptions", "--add-opens=java.base/java.lang=ALL-UNNAMED"),
        SparkRuntime.fromRepository(tmp).javaOptions());
  }
}
