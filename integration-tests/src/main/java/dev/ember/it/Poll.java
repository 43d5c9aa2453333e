package dev.ember.it;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Waiting for something outside this JVM: a log line, a state, a file. */
public final class Poll {
  private static final long INTERVAL_MS = 250;

  private Poll() {}

  /**
   * Calls {@code probe} every 250 ms until it returns a value, and returns it; throws {@link
   * IllegalStateException} with {@code onTimeout}'s message after {@code timeout}. A probe may
   * throw to give up early (a process it watches has died, say).
   */
  public static <T> T until(
      Supplier<Optional<T>> probe, Duration timeout, Supplier<String> onTimeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> v = probe.get();
      if (v.isPresent()) {
        return v.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(onTimeout.get());
      }
      try {
        Thread.sleep(INTERVAL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting", e);
      }
    }
  }
}
