package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The embeddings of the corpus's first n lines from the same job jar in local mode ({@code
 * local[2]}, one JVM), through spark-submit: what the cluster runs must reproduce. Computed once
 * per test JVM and size.
 */
final class LocalReference {
  private static final Map<Integer, EmbeddingOutput> DONE = new HashMap<>();

  private LocalReference() {}

  static synchronized EmbeddingOutput of(StandaloneCluster cluster, int rows) {
    EmbeddingOutput done = DONE.get(rows);
    if (done != null) {
      return done;
    }
    Path out = ItEnv.output("local-" + rows);
    SubmitResult r =
        Submission.forMaster(
                cluster.spark(),
                cluster.confDir(),
                ItEnv.itDir().resolve("local"),
                "local-" + rows,
                "local[2]")
            .driverMemory("2g")
            .jar(ItEnv.jobJar())
            .args(
                "--input",
                ItEnv.firstLines(rows).toString(),
                "--output",
                out.toString(),
                "--output-format",
                "json")
            .run(Duration.ofMinutes(5));
    assertEquals(0, r.exitCode(), r::describe);
    ItEnv.timing("reference: local[2] run over " + rows + " lines", r.seconds());
    EmbeddingOutput o = EmbeddingOutput.read(out);
    o.assertEveryLineOnce(ItEnv.corpusLines().subList(0, rows));
    DONE.put(rows, o);
    return o;
  }
}
