package dev.ember.executor.backend.cuda;

import java.util.HashSet;
import java.util.Set;

/**
 * The device buffers a GEMM's routes hold (split-K's partial sums, copies of A in 16 bits): each
 * route holds one {@link Lease}, freed by its {@link GemmRoute#release}, and whatever is left is
 * freed by the GEMM's close. Thread-safe.
 */
final class GemmWorkspaces {
  private final GpuDriver driver;
  private final Set<Long> held = new HashSet<>();

  GemmWorkspaces(GpuDriver driver) {
    this.driver = driver;
  }

  /** A buffer for one route, allocated on its first use. */
  Lease lease() {
    return new Lease();
  }

  synchronized void freeAll() {
    for (long w : held) {
      driver.free(w);
    }
    held.clear();
  }

  /** One route's buffer: allocated by the first {@link #at}, freed by {@link #release}. */
  final class Lease {
    private long ptr;

    /** The buffer's address, {@code bytes} long (every call of one route asks the same). */
    long at(long bytes) {
      synchronized (GemmWorkspaces.this) {
        if (ptr == 0) {
          ptr = driver.alloc(bytes);
          held.add(ptr);
        }
        return ptr;
      }
    }

    /** Frees the buffer, unless there is none or a close freed it already. */
    void release() {
      synchronized (GemmWorkspaces.this) {
        if (ptr != 0 && held.remove(ptr)) {
          driver.free(ptr);
        }
        ptr = 0;
      }
    }
  }
}
