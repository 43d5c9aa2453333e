package dev.ember.executor.backend.cpu.gemm;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the GEMM by measurement: each candidate that loads multiplies a MiniLM-sized product
 * ([128, 384] x [384, 384] weights) after a warm-up, and the fastest wins. The result is kept
 * per process and preference, and recorded (name, GFLOP/s per candidate, why others were not
 * tried) in each variant's tuning.json.
 *
 * <pre>{@code
 * GemmChoice choice = GemmChoice.choose("auto", 1); // or "openblas", "vector", "netlib", "java"
 * Gemm gemm = choice.gemm();
 * }</pre>
 */
public final class GemmChoice {
  /** Candidates tried by "auto", best expected first. */
  public static final List<String> CANDIDATES = List.of("openblas", "vector", "java", "netlib");

  private static final Logger LOG = LoggerFactory.getLogger(GemmChoice.class);
  private static final Map<String, GemmChoice> CHOSEN = new LinkedHashMap<>();
  private static final Set<String> NATIVE = Set.of("openblas", "netlib");
  private static boolean coreTypeChecked;
  private static final long KERNEL_WAIT_MILLIS = 20_000;

  private final Gemm gemm;
  private final Map<String, Double> gflops;
  private final Map<String, String> unavailable;
  private final boolean provisional;

  private GemmChoice(Gemm gemm, Map<String, Double> gflops, Map<String, String> unavailable,
      boolean provisional) {
    this.gemm = gemm;
    this.gflops = gflops;
    this.unavailable = unavailable;
    this.provisional = provisional;
  }

  /**
   * Whether the choice was made before the vector GEMM's kernel was compiled (C2 busy), so that
   * the vector GEMM was measured on its fallback. Such a choice is not saved with variants, and
   * "auto" measures again once the kernel is compiled.
   */
  public boolean provisional() {
    return provisional;
  }

  public Gemm gemm() {
    return gemm;
  }

  /** GFLOP/s measured per candidate (empty when a GEMM was named, not measured). */
  public Map<String, Double> gflops() {
    return gflops;
  }

  /** Candidates that did not load, with the reason. */
  public Map<String, String> unavailable() {
    return unavailable;
  }

  /**
   * The GEMM for {@code preference}: "auto" measures every candidate that loads; a name picks
   * that one (failing with the reason when it does not load). {@code threads} applies to OpenBLAS.
   */
  public static synchronized GemmChoice choose(String preference, int threads) {
    String key = preference + "/" + threads;
    GemmChoice c = CHOSEN.get(key);
    if (c != null && c.provisional && KernelWarmUp.ready()) {
      c = null; // measure again, now with the compiled kernel
    }
    if (c == null) {
      c = preference.equals("auto") ? measure(threads) : named(preference, threads);
      CHOSEN.put(key, c);
      // OpenBLAS and netlib's native BLAS (often OpenBLAS too) both read OPENBLAS_CORETYPE.
      if (!coreTypeChecked && NATIVE.contains(c.gemm().name())) {
        coreTypeChecked = true;
        OpenBlasCoreCheck.here().ifPresent(LOG::warn);
      }
    }
    return c;
  }

  /** Builds one GEMM by name, or throws BAD_CONF / KERNEL_FAILED. */
  public static Gemm create(String name, int threads) {
    switch (name) {
      case "openblas":
        return new OpenBlasGemm(threads);
      case "netlib":
        return new NetlibGemm();
      case "vector":
        return new VectorGemm();
      case "java":
        return new JavaGemm();
      default:
        throw Errors.of(ErrorCode.BAD_CONF, "unknown GEMM '" + name + "'",
            "use one of auto, " + String.join(", ", CANDIDATES));
    }
  }

  private static GemmChoice named(String name, int threads) {
    return new GemmChoice(create(name, threads), Map.of(), Map.of(), false);
  }

  private static GemmChoice measure(int threads) {
    Map<String, Double> speed = new LinkedHashMap<>();
    Map<String, String> missing = new LinkedHashMap<>();
    List<Gemm> loaded = new ArrayList<>();
    for (String name : CANDIDATES) {
      try {
        loaded.add(create(name, threads));
      } catch (RuntimeException | LinkageError e) {
        missing.put(name, String.valueOf(e.getMessage()));
      }
    }
    boolean provisional = false;
    for (Gemm g : loaded) {
      if (g instanceof VectorGemm v) {
        provisional = !awaitKernel(v); // else its fallback would be measured in its place
      }
    }
    // Best of seven interleaved rounds: other threads (JIT, Janino, other tasks) add noise, and
    // one measurement lasts milliseconds.
    for (int round = 0; round < 7; round++) {
      for (Gemm g : loaded) {
        speed.merge(g.name(), gflops(g), Math::max);
      }
    }
    Gemm best = loaded.get(0);
    for (Gemm g : loaded) {
      if (speed.get(g.name()) > speed.get(best.name())) {
        best = g;
      }
    }
    return new GemmChoice(best, speed, missing, provisional);
  }

  /** Whether the kernel of {@code v} runs compiled, after waiting for it a while. */
  private static boolean awaitKernel(VectorGemm v) {
    try {
      if (v.awaitKernel(KERNEL_WAIT_MILLIS)) {
        return true;
      }
      LOG.info("the Vector API GEMM kernel was not compiled after {} ms; this choice holds until"
          + " it is", KERNEL_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** GFLOP/s of {@code g} on [128, 384] x [384, 384] through the prepared-weights path. */
  static double gflops(Gemm g) {
    int m = 128;
    int k = 384;
    int n = 384;
    Random r = new Random(7);
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextFloat() - 0.5f;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextFloat() - 0.5f;
    }
    float[] c = new float[m * n];
    Gemm.Prepared w = g.prepare(b, k, n, false);
    for (int i = 0; i < 20; i++) {
      g.multiply(m, 1f, a, 0, k, false, w, 0f, c, 0, n);
    }
    int reps = 20;
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      g.multiply(m, 1f, a, 0, k, false, w, 0f, c, 0, n);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    return Math.round(2.0 * m * n * k * reps / s / 1e8) / 10.0;
  }
}
