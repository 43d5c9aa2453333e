package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.it.StandaloneCluster.ExecutorLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 4 of issue #5: both workers run on this one machine, so two executors given the same
 * {@code spark.ember.compile.cacheDir} start together and compile the same variants into one folder
 * at the same moment. Both must succeed and leave one intact entry per key: no partial or temporary
 * file, and a later application finds every variant there.
 */
@ExtendWith(SharedCluster.class)
class CompileCacheRaceIT {
  private static final int ROWS = 200;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void twoExecutorsCompilingTheSameKeyLeaveOneIntactEntry(StandaloneCluster cluster)
      throws IOException {
    Path cache =
        Files.createDirectories(ItEnv.itDir().resolve("shared-cache-" + System.nanoTime()));
    for (String run : List.of("race", "reuse")) {
      Path out = ItEnv.output("cache-" + run);
      SubmitResult r =
          cluster
              .submission("cache-" + run)
              .conf("spark.ember.compile.level", "1")
              .conf("spark.ember.compile.cacheDir", cache.toString())
              .jar(ItEnv.jobJar())
              .args(
                  "--input",
                  ItEnv.firstLines(ROWS).toString(),
                  "--output",
                  out.toString(),
                  "--output-format",
                  "json")
              .run(Duration.ofMinutes(3));
      assertEquals(0, r.exitCode(), r::describe);
      EmbeddingOutput.read(out).assertEveryLineOnce(ItEnv.corpusLines().subList(0, ROWS));
      List<ExecutorLog> executors = cluster.executorLogs(r.appId());
      assertEquals(2, executors.size(), executors::toString);
      for (ExecutorLog e : executors) {
        String log = e.stderrText();
        long compiled = ExecutorLogs.lines(log, "Compiled ");
        long hits = ExecutorLogs.matching(log, "(?i)cache hit");
        if (run.equals("race")) {
          assertTrue(compiled + hits > 0, "neither compiled nor found a variant: " + e.stderr());
        } else {
          assertEquals(0, compiled, "the shared cache's entries were not reused: " + e.stderr());
          assertTrue(hits > 0, "no cache hit: " + e.stderr());
        }
      }
      assertNoPartialFiles(cache);
      ItEnv.timing("scenario 4: shared cache dir, " + run, r.seconds());
    }
  }

  private static void assertNoPartialFiles(Path cache) throws IOException {
    try (Stream<Path> files = Files.walk(cache)) {
      List<Path> partial =
          files
              .filter(Files::isRegularFile)
              .filter(f -> f.getFileName().toString().matches("(?i).*\\.(tmp|partial|part)|\\..*"))
              .toList();
      assertEquals(List.of(), partial, "temporary or partial files left in the cache");
    }
  }
}
