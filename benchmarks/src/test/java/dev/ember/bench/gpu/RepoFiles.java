package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** This repository's scripts, for the tests that run them, from the module or the root folder. */
final class RepoFiles {
  private RepoFiles() {}

  /** {@code relative} under the repository's root. */
  static Path of(String relative) {
    Path cwd = Path.of("").toAbsolutePath();
    Path root = Files.isDirectory(cwd.resolve("bin/lib")) ? cwd : cwd.getParent();
    return root.resolve(relative);
  }

  /**
   * The standard output of {@code command}, stripped, which must exit 0 within a minute; its
   * standard error joins the output, or is dropped where the command logs there.
   */
  static String output(List<String> command, boolean withStderr) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command);
    if (withStderr) {
      b.redirectErrorStream(true);
    } else {
      b.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  /** {@code bench/gpu/summary.py} run on {@code out}: the {@code summary.md} it wrote. */
  static String summary(Path out) throws Exception {
    output(List.of("python3", of("bench/gpu/summary.py").toString(), out.toString()), true);
    return Files.readString(out.resolve("summary.md"));
  }
}
