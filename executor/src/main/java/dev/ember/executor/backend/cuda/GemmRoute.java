package dev.ember.executor.backend.cuda;

import java.util.Collection;

/**
 * One way to run one {@link GemmShape}: cuBLAS, or a generated kernel with a given output tile,
 * possibly cut along K ({@link SplitK}). A {@link GpuGemm} offers the routes it has for a shape
 * ({@link GpuGemm#routes}); {@link GemmTuner} times them on the device and keeps the fastest
 * whose result agrees with the float32 reference.
 *
 * <p>The first {@link #enqueue} may compile a kernel or allocate a workspace, which a CUDA-graph
 * capture forbids: run a route once before capturing it, as variants and the tuner do.
 */
public interface GemmRoute {
  /** Stable name, recorded in a variant's cache entry: "nvrtc-tf32-t64k16s4-split4". */
  String name();

  /** The shape this route runs. */
  GemmShape shape();

  /** The input rounding, which sets how far the route may stray from the float32 reference. */
  GemmPrecision precision();

  /**
   * Enqueues {@code C = alpha * A B + beta * bias} for {@link #shape} on the driver's stream;
   * {@code b} is B's 16-bit copy where {@link #readsHalfB}.
   */
  void enqueue(long a, long b, long c, long bias);

  /**
   * Whether the route reads B as its 16-bit B^T copy ({@link HalfWeights#convert}, at the route's
   * precision) instead of B: the caller converts B once (a weight, per device) and passes the
   * copy's address as {@code b}.
   */
  default boolean readsHalfB() {
    return false;
  }

  /** Frees what the route holds (a split-K workspace); it must not be enqueued afterwards. */
  default void release() {}

  /**
   * Compiles what the route launches without touching the device, so that the tuner can compile
   * many routes' kernels side by side before it runs them one by one; safe from any thread.
   */
  default void compile() {}

  /**
   * {@link #compile} of every route side by side on the host. A route whose kernel does not
   * compile meets the same error again when it is enqueued, and is refused or reported there.
   */
  static void compileAll(Collection<? extends GemmRoute> routes) {
    routes.parallelStream().forEach(r -> {
      try {
        r.compile();
      } catch (RuntimeException e) {
        // its enqueue fails with the same error, where the caller records it
      }
    });
  }

  /** A route that holds nothing of its own: {@code enqueue} runs it. */
  static GemmRoute of(String name, GemmShape shape, GemmPrecision precision, Enqueue enqueue) {
    return of(name, shape, precision, () -> {}, enqueue);
  }

  /** Like {@link #of(String, GemmShape, GemmPrecision, Enqueue)}, with its {@link #compile}. */
  static GemmRoute of(String name, GemmShape shape, GemmPrecision precision, Runnable compile,
      Enqueue enqueue) {
    return new Stateless(name, shape, precision, compile, enqueue, false);
  }

  /** Like {@link #of(String, GemmShape, GemmPrecision, Runnable, Enqueue)}, reading B in halves. */
  static GemmRoute ofHalfB(String name, GemmShape shape, GemmPrecision precision,
      Runnable compile, Enqueue enqueue) {
    return new Stateless(name, shape, precision, compile, enqueue, true);
  }

  /** The launches of one route on device pointers. */
  @FunctionalInterface
  interface Enqueue {
    void run(long a, long b, long c, long bias);
  }

  /** What {@link #of} makes. */
  record Stateless(String name, GemmShape shape, GemmPrecision precision, Runnable compiles,
      Enqueue launches, boolean readsHalfB) implements GemmRoute {
    @Override
    public void enqueue(long a, long b, long c, long bias) {
      launches.run(a, b, c, bias);
    }

    @Override
    public void compile() {
      compiles.run();
    }
  }
}
