package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #14: every notebook in {@code notebooks/} runs top to bottom, headless, through Jupyter's
 * {@code nbconvert --execute} with this checkout's jars (the Java ones in the Ember kernel that
 * module {@code notebooks/kernel} generates, the Python one through JPype), and no cell fails.
 * The committed copy must carry the outputs of such a run: every code cell executed, no error, the
 * same kinds of output per cell as the run here gives, and every image a PNG that decodes.
 */
class NotebooksIT {
  /** One notebook's limit. */
  private static final long RUN_MINUTES = 6;
  /**
   * Notebooks run at once: a run waits on JVM and kernel start-up, JShell and Spark's first job
   * as much as it computes, so two at a time keep two cores busy.
   */
  private static final int PARALLEL = 2;

  private static final Map<String, Future<Notebook>> RUNS = new ConcurrentHashMap<>();
  private static ExecutorService pool;

  static Path notebooksDir() {
    return ItEnv.root().resolve("notebooks");
  }

  static List<String> notebooks() throws IOException {
    try (Stream<Path> s = Files.list(notebooksDir())) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb")).sorted()
          .toList();
    }
  }

  /** Checks Jupyter and the kernel, then starts every notebook's run. */
  @BeforeAll
  static void start() throws IOException {
    jupyterAndTheKernelAreThere();
    startRuns();
  }

  static void jupyterAndTheKernelAreThere() {
    Path kernel = Notebook.kernelPath().resolve("kernels/ember-java/kernel.json");
    assertTrue(Files.isRegularFile(kernel), "no Ember kernel at " + kernel
        + "; build it: mvn -pl notebooks/kernel -am package -DskipTests");
    Notebook.requireJupyter();
  }

  /** Starts every notebook's run, {@link #PARALLEL} at a time; each test waits for its own. */
  static void startRuns() throws IOException {
    pool = Executors.newFixedThreadPool(PARALLEL);
    for (String name : notebooks()) {
      RUNS.put(name, pool.submit(() -> {
        long start = System.nanoTime();
        Notebook executed = Notebook.execute(notebooksDir().resolve(name),
            ItEnv.itDir().resolve("notebooks"), RUN_MINUTES);
        ItEnv.timing("notebook " + name, ItEnv.secondsSince(start));
        return executed;
      }));
    }
  }

  @AfterAll
  static void stopRuns() {
    pool.shutdownNow();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notebooks")
  @Timeout(value = 2 * RUN_MINUTES + 1, unit = TimeUnit.MINUTES)
  void runsHeadlessAndItsCommittedOutputsComeFromARun(String name) throws Exception {
    Notebook committed = Notebook.read(notebooksDir().resolve(name));
    committed.assertExecutedWithoutErrors("committed " + name
        + " (re-run it with bin/ember notebooks and commit the outputs)");

    Notebook executed;
    try {
      executed = RUNS.get(name).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error err) {
        throw err; // the run's own assertion failure, with nbconvert's log
      }
      throw e;
    }
    executed.assertExecutedWithoutErrors("executed " + name);

    assertEquals(committed.outputKinds(), executed.outputKinds(), name
        + ": the committed outputs differ in kind from a run of this version (per code cell);"
        + " re-run it with bin/ember notebooks and commit the outputs");
    assertFalse(executed.outputKinds().stream().allMatch(List::isEmpty),
        name + " shows nothing");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notebooks")
  void committedImagesAreValidPngs(String name) {
    Notebook nb = Notebook.read(notebooksDir().resolve(name));
    for (byte[] png : nb.pngs()) {
      assertNotNull(Notebook.decodePng(png), name + ": an image/png output does not decode");
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void failWith(String what, Path log) {
    String text = read(log);
    fail(what + "; last lines of " + log + ":\n"
        + text.substring(Math.max(0, text.length() - 4000)));
  }
}
