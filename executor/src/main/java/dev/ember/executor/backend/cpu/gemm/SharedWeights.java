package dev.ember.executor.backend.cpu.gemm;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * One prepared copy per weight array, so that the variants of a model share their weights. Weak
 * keys: the copy goes when the model's arrays do. A prepared copy must not hold the array itself,
 * or the key would never be collected.
 */
final class SharedWeights {
  private final Map<float[], Gemm.Prepared> byArray = new WeakHashMap<>();

  /** The copy of {@code b} (k x n after {@code transB}), made by {@code make} the first time. */
  synchronized Gemm.Prepared get(float[] b, int k, int n, boolean transB,
      Supplier<Gemm.Prepared> make) {
    if (b.length != k * n) {
      throw new IllegalArgumentException("weights of " + b.length + " floats are not " + k + "x"
          + n);
    }
    Gemm.Prepared p = byArray.get(b);
    if (p == null || p.k != k || p.n != n || p.transB != transB) {
      p = make.get();
      byArray.put(b, p);
    }
    return p;
  }
}
