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
  /** Steps of k per warm-up call: the kernel's 8 x 2-vector block does 2 * 8 * width * KC FLOP. */
  private static final int STEPS = 64;
  /** A call faster than this (GFLOP/s) ran compiled code; the Java fallback stays below 1. */
  private static final double COMPILED_GFLOPS = 10;
  /** Consecutive fast calls that count as compiled. */
  private static final int FAST_CALLS = 50;
  /** A JVM without C2 (-XX:TieredStopAtLevel=1, -Xint) never gets there: stop burning a core. */
  private static final long GIVE_UP_NANOS = 15_000_000_000L;

  private static volatile boolean ready;
  private static Thread thread;

  private KernelWarmUp() {}

  /** Whether the kernel runs compiled. */
  static boolean ready() {
    return ready;
  }

  /** Starts the warm-up thread unless it ran or runs. */
  static synchronized void start(VectorKernel kernel) {
    if (thread != null) {
      return;
    }
    thread = new Thread(() -> drive(kernel), "ember-vector-gemm-warm-up");
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

  private static void drive(VectorKernel kernel) {
    int rows = VectorKernel.ROWS;
    int w = kernel.width();
    float[] a = new float[rows * STEPS];
    float[] b = new float[STEPS * w];
    float[] c = new float[rows * w];
    double flops = 2.0 * rows * w * STEPS;
    long t0 = System.nanoTime();
    int fast = 0;
    while (fast < FAST_CALLS) {
      long s = System.nanoTime();
      kernel.multiply(STEPS, a, 0, STEPS, b, 0, 1f, 0f, c, 0, w);
      long took = System.nanoTime() - s;
      fast = flops / took >= COMPILED_GFLOPS ? fast + 1 : 0;
      if (s - t0 > GIVE_UP_NANOS) {
        LOG.warn("the Vector API GEMM kernel did not reach compiled speed in {} s; its products"
            + " keep running on OpenBLAS", GIVE_UP_NANOS / 1_000_000_000L);
        return;
      }
    }
    ready = true;
    LOG.info("Vector API GEMM kernel compiled after {} ms", (System.nanoTime() - t0) / 1_000_000);
  }
}
