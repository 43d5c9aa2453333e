package dev.ember.executor.backend.cuda.emu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One runner process (emu_runner.cpp) and its line protocol: each command is one line on its
 * stdin, answered by one line on its stdout. A reader thread queues the answers so that a call can
 * give up after a timeout (a kernel that never ends) instead of blocking the test forever.
 */
final class EmuRunnerProcess implements AutoCloseable {
  private static final String EOF = "\u0000eof";
  private final Process process;
  private final OutputStream stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final ArrayDeque<String> stderrTail = new ArrayDeque<>();

  /** Thrown when the process is gone: it faulted ({@link #fault}), crashed or timed out. */
  static final class Died extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String fault; // the runner's "fault ..." line without the prefix, or null

    Died(String message, String fault) {
      super(message);
      this.fault = fault;
    }
  }

  EmuRunnerProcess(Path exe, EmuDeviceMemory memory, int workers, Duration startTimeout) {
    try {
      process = new ProcessBuilder(List.of(exe.toString(), memory.file().toString(),
          Long.toHexString(memory.base()), Long.toHexString(memory.size()),
          Integer.toString(workers))).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the emulator's runner " + exe, e);
    }
    stdin = process.getOutputStream();
    daemon("emu-runner-out", () -> pump(new BufferedReader(new InputStreamReader(
        process.getInputStream(), StandardCharsets.UTF_8)), true));
    daemon("emu-runner-err", () -> pump(new BufferedReader(new InputStreamReader(
        process.getErrorStream(), StandardCharsets.UTF_8)), false));
    String ready = await("start", startTimeout);
    if (!ready.equals("ready")) {
      throw new IllegalStateException("the emulator's runner did not start: " + ready);
    }
  }

  /** Sends one command and returns its answer ("ok ..." or "err ..."). */
  String call(String command, Duration timeout) {
    if (!process.isAlive()) {
      throw new Died("the runner process has exited" + stderr(), null);
    }
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new Died("cannot write to the runner: " + e.getMessage() + stderr(), null);
    }
    return await(command.startsWith("L ") ? "a launch" : command, timeout);
  }

  private String await(String what, Duration timeout) {
    String line;
    try {
      line = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new Died("interrupted while waiting for the runner", null);
    }
    if (line == null) {
      process.destroyForcibly();
      throw new Died("no answer within " + timeout.toSeconds() + " s (" + what
          + "); the runner was killed", null);
    }
    if (line.startsWith("fault ")) {
      waitForExit();
      throw new Died("the runner faulted", line.substring("fault ".length()));
    }
    if (line.equals(EOF)) {
      waitForExit();
      throw new Died("the runner exited unexpectedly (exit code "
          + (process.isAlive() ? "?" : process.exitValue()) + ")" + stderr(), null);
    }
    return line;
  }

  private void waitForExit() {
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String stderr() {
    synchronized (stderrTail) {
      return stderrTail.isEmpty() ? "" : "; its stderr:\n" + String.join("\n", stderrTail);
    }
  }

  private void pump(BufferedReader in, boolean isStdout) {
    try (in) {
      for (String line; (line = in.readLine()) != null; ) {
        if (isStdout) {
          replies.add(line);
        } else {
          synchronized (stderrTail) {
            stderrTail.addLast(line);
            if (stderrTail.size() > 20) {
              stderrTail.removeFirst();
            }
          }
        }
      }
    } catch (IOException e) {
      // The process is gone; the EOF marker below tells the waiting call.
    }
    if (isStdout) {
      replies.add(EOF);
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    try {
      stdin.write("Q\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      // Already gone.
    }
    waitForExit();
    process.destroyForcibly();
  }
}
