package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started (Master, Worker, spark-submit), with stdout and stderr in files
 * ({@code <logDir>/<name>.out}, {@code .err}) so that nothing blocks on a full pipe and the logs
 * outlive the process. Thread-safe.
 */
public final class SparkProcess {
  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private SparkProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code command} in {@code workDir} with {@code env} added to this JVM's. */
  public static SparkProcess start(
      String name, List<String> command, Map<String, String> env, Path workDir, Path logDir) {
    try {
      Files.createDirectories(workDir);
      Files.createDirectories(logDir);
      Path out = logDir.resolve(name + ".out");
      Path err = logDir.resolve(name + ".err");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.environment().putAll(env);
      return new SparkProcess(name, pb.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  public String name() {
    return name;
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path stdout() {
    return stdout;
  }

  public Path stderr() {
    return stderr;
  }

  /** Everything written to stdout so far. */
  public String stdoutText() {
    return read(stdout);
  }

  /** Everything written to stderr so far. */
  public String stderrText() {
    return read(stderr);
  }

  /** The exit code, or null if the process still runs after {@code timeout}. */
  public Integer waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? process.exitValue()
          : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Ends the process and all it started ({@link ProcessTree#kill}); throws if any survives. */
  public void killTree(Duration grace) {
    List<ProcessHandle> left = ProcessTree.kill(process.toHandle(), grace);
    if (!left.isEmpty()) {
      throw new IllegalStateException(
          "SparkProcess '"
              + name
              + "': still alive after SIGKILL: "
              + left.stream().map(ProcessTree::describe).toList());
    }
  }

  /** The last {@code lines} lines of a log, for failure messages. */
  public static String tail(Path log, int lines) {
    List<String> all = read(log).lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  static String read(Path file) {
    try {
      return Files.exists(file)
          ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) // lenient: no throw
          : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
