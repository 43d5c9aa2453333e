package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantArtifacts;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Small factors and entries for the cache tests. */
final class CacheFixtures {
  static final String MODEL_SHA = "ab".repeat(32);

  private CacheFixtures() {}

  static CacheKeyFactors factors(String variant) {
    return new CacheKeyFactors(
        MODEL_SHA,
        variant,
        "level=3",
        "cpu-janino",
        "cpu:amd64:avx2",
        CacheKeyFactors.ENGINE_VERSION);
  }

  static CacheEntry entry(String tag) {
    return new CacheEntry(
        new VariantArtifacts(
            Map.of(
                "Kernel.java",
                    ("class Kernel { /* " + tag + " */ }").getBytes(StandardCharsets.UTF_8),
                "classes/Kernel.class", new byte[] {(byte) 0xCA, (byte) 0xFE, 1, 2, 3},
                "tuning.json", "{\"gemm\":\"blocked-64\"}".getBytes(StandardCharsets.UTF_8))),
        "final class Kernel { /* " + tag + " */ }\n",
        "graph g\n  y = Relu(x)\n");
  }

  /** A compile that counts its calls and returns {@link #entry(String)}. */
  static Supplier<CacheEntry> counting(AtomicInteger calls, String tag) {
    return () -> {
      calls.incrementAndGet();
      return entry(tag);
    };
  }

  static String text(CacheEntry e, String artifact) {
    return new String(e.artifacts().get(artifact), StandardCharsets.UTF_8);
  }
}
