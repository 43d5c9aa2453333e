package dev.ember.executor.backend.cuda;

import java.util.HashSet;
import java.util.Set;

/**
 * The device buffers a GEMM's routes hold (split-K's partial sums, copies of A in 16 bits): each
 * freed by its route's {@link GemmRoute#release}, and whatever is left by the GEMM's close.
 * Thread-safe.
 */
final class GemmWorkspaces {
  private final GpuDriver driver;
  private final Set<Long> held = new HashSet<>();

  GemmWorkspaces(GpuDriver driver) {
    this.driver = driver;
  }

  synchronized long alloc(long bytes) {
    long w = driver.alloc(bytes);
    held.add(w);
    return w;
  }

  /** Frees {@code w} if it is still held (a close may have freed it already); returns 0. */
  synchronized long free(long w) {
    if (held.remove(w)) {
      driver.free(w);
    }
    return 0L;
  }

  synchronized void freeAll() {
    for (long w : held) {
      driver.free(w);
    }
    held.clear();
  }
}
