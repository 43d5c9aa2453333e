package dev.ember.executor.backend.cpu.gemm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets {@link VectorKernel} compiled by C2 before real products use it. Until C2 compiles it, the
 * JVM runs Vector API code through its Java fallback, allocating every vector: MiniLM's first
 * [600, 384] x [384, 384] product took 2.1 s instead of 2 ms. So one daemon thread per process
 * drives the kernel on a small panel until a call runs at compiled speed, and {@link VectorGemm}
 * sends products to OpenBLAS meanwhile: an executor's first batches never wait for the JIT.
 */
final class KernelWarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(KernelWarmUp.class);
  /** Steps of k per warm-up call (2 * ROWS * width * STEPS FLOP). */
  private static final int STEPS = 64;
  /**
   * A call faster than this (GFLOP/s) ran C2's code: the Java fallback stays below 1, and C2 code
   * that boxes its vectors near 15; compiled as meant it is above 100 on AVX-512 and AVX2 cores.
   */
  private static final double COMPILED_GFLOPS = 40;
  /** Consecutive fast calls that count as compiled. */
  private static final int FAST_CALLS = 50;
  /**
   * After this long, probe once per {@link #PROBE_MILLIS} instead of driving a core: C2 may be
   * busy (a flood of generated kernels), and a JVM without C2 (-Xint) never gets there.
   */
  private static final long SLOW_NANOS = 15_000_000_000L;
  private static final long PROBE_MILLIS = 100;

  private static volatile boolean ready;
  private static Thread thread;

  private KernelWarmUp() {}

  /** Whether the kernel runs compiled (and the callback of {@link #start} has run). */
  static boolean ready() {
    return ready;
  }

  /** Starts the warm-up thread unless it ran or runs; {@code compiled} runs on it once ready. */
  static synchronized void start(VectorKernel kernel, Runnable compiled) {
    if (thread != null) {
      return;
    }
    thread = new Thread(() -> {
      if (drive(kernel)) {
        compiled.run();
        ready = true;
      }
    }, "ember-vector-gemm-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits until the kernel runs compiled, at most {@code millis}; true when it does. */
  static boolean await(long millis) throws InterruptedException {
    Thread t;
    synchronized (KernelWarmUp.class) {
      t = thread;
    }
    if (t != null) {
      t.join(millis);
    }
    return ready;
  }

  /** Drives the kernel until it runs compiled; false when interrupted. */
  private static boolean drive(VectorKernel kernel) {
    int rows = VectorKernel.ROWS;
    int w = kernel.width();
    float[] a = new float[rows * (STEPS + w)];
    float[] b = new float[STEPS * w];
    float[] c = new float[rows * w];
    double flops = 2.0 * rows * w * STEPS;
    long t0 = System.nanoTime();
    int fast = 0;
    int call = 0;
    boolean slow = false;
    while (fast < FAST_CALLS) {
      // Take every branch real products take (beta 0 and not, A packed or read in place, short
      // and long k): a branch C2 never saw taken becomes a trap, and the first product that takes
      // it would throw the compiled kernel away (measured: back to 15 GFLOP/s for a second).
      call++;
      float beta = (call & 1) == 0 ? 0f : 1f;
      int rowStride = (call & 2) == 0 ? STEPS : STEPS + w;
      int steps = (call & 4) == 0 ? STEPS : STEPS / 4;
      long s = System.nanoTime();
      kernel.multiply(steps, a, 0, rowStride, b, 0, 1f, beta, c, 0, w);
      long took = System.nanoTime() - s;
      double callFlops = flops * steps / STEPS;
      fast = callFlops / took >= COMPILED_GFLOPS ? fast + 1 : 0;
      if (!slow && s - t0 > SLOW_NANOS) {
        slow = true;
        LOG.warn("the Vector API GEMM kernel did not reach compiled speed in {} s; its products"
            + " run on OpenBLAS until it does (checked every {} ms)",
            SLOW_NANOS / 1_000_000_000L, PROBE_MILLIS);
      }
      if (slow) {
        try {
          Thread.sleep(PROBE_MILLIS);
        } catch (InterruptedException e) {
          return false;
        }
      }
    }
    LOG.info("Vector API GEMM kernel compiled after {} ms", (System.nanoTime() - t0) / 1_000_000);
    return true;
  }
}
