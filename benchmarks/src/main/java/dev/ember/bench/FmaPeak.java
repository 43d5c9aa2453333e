package dev.ember.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's measured single-precision FMA peak: every core runs 16 independent chains of
 * vector FMAs on registers (enough to cover the FMA latency on two pipes), at the JVM's widest
 * vectors, with nothing read from memory. Loaded only when the JVM has jdk.incubator.vector
 * ({@code bin/ember bench} starts it so).
 */
final class FmaPeak {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final long NANOS = 400_000_000L;
  private static final int BURST = 10_000;

  private FmaPeak() {}

  /** GFLOP/s of all {@code threads} together, best of three tries. */
  static double measure(int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      double best = 0;
      for (int round = 0; round < 3; round++) {
        List<Future<Double>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          parts.add(pool.submit(FmaPeak::oneCore));
        }
        double sum = 0;
        for (Future<Double> f : parts) {
          sum += f.get();
        }
        best = Math.max(best, sum);
      }
      return best;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Floats per vector on this JVM. */
  static int lanes() {
    return S.length();
  }

  /** Per core: bursts until warm (compiled), then bursts for {@link #NANOS}. */
  private static double oneCore() {
    float sink = 0;
    for (int i = 0; i < 200; i++) {
      sink += burst();
    }
    long bursts = 0;
    long t0 = System.nanoTime();
    long elapsed;
    do {
      sink += burst();
      bursts++;
      elapsed = System.nanoTime() - t0;
    } while (elapsed < NANOS);
    if (sink == 42f) {
      System.out.print(""); // keeps the chains live
    }
    return 16.0 * 2 * S.length() * BURST * bursts / elapsed;
  }

  /**
   * {@link #BURST} steps of 16 FMA chains. A method of its own, called many times, so C2 compiles
   * it whole (an on-stack-replaced loop keeps the vectors boxed).
   */
  private static float burst() {
    FloatVector x = FloatVector.broadcast(S, 0.999999f);
    FloatVector y = FloatVector.broadcast(S, 1e-7f);
    FloatVector a0 = FloatVector.broadcast(S, 1f);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    FloatVector a5 = a0;
    FloatVector a6 = a0;
    FloatVector a7 = a0;
    FloatVector a8 = a0;
    FloatVector a9 = a0;
    FloatVector a10 = a0;
    FloatVector a11 = a0;
    FloatVector a12 = a0;
    FloatVector a13 = a0;
    FloatVector a14 = a0;
    FloatVector a15 = a0;
    for (int i = 0; i < BURST; i++) {
      a0 = a0.fma(x, y);
      a1 = a1.fma(x, y);
      a2 = a2.fma(x, y);
      a3 = a3.fma(x, y);
      a4 = a4.fma(x, y);
      a5 = a5.fma(x, y);
      a6 = a6.fma(x, y);
      a7 = a7.fma(x, y);
      a8 = a8.fma(x, y);
      a9 = a9.fma(x, y);
      a10 = a10.fma(x, y);
      a11 = a11.fma(x, y);
      a12 = a12.fma(x, y);
      a13 = a13.fma(x, y);
      a14 = a14.fma(x, y);
      a15 = a15.fma(x, y);
    }
    FloatVector sum = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8)
        .add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15);
    return sum.reduceLanes(VectorOperators.ADD);
  }
}
