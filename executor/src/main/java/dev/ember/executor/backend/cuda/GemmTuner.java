package dev.ember.executor.backend.cuda;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a route per GEMM shape by measurement on the device: every route runs once on seeded
 * operands and is compared with the float32 SIMT kernel (a route further from it than its
 * precision's {@link GemmPrecision#tolerance} is refused, so a faulty kernel can never win), then
 * the routes that agree are timed inside a CUDA graph ({@link CudaProfile#microsInGraph}) and the
 * fastest is kept. Choices are kept per device for its lifetime and recorded in each variant's
 * cache entry ({@link GemmRoutes}), so a warm start does not measure again.
 *
 * <p>Not thread-safe: callers hold the device ({@link CudaDevice#exclusive}).
 */
final class GemmTuner {
  private static final Logger LOG = LoggerFactory.getLogger(GemmTuner.class);

  /** Device time one timing aims at, in microseconds. */
  private static final double TIMING_MICROS = 200;
  /** What a route is assumed to run at when sizing its timing, in FLOP per microsecond. */
  private static final double ASSUMED_FLOPS_PER_MICRO = 5e7;
  private static final int MAX_REPEATS = 20;

  private final GpuDriver driver;
  private final GpuGemm reference;
  private final Map<String, Choice> chosen = new HashMap<>();
  private int measured;

  /**
   * @param reference the float32 generated GEMM, whose result every route is compared with
   */
  GemmTuner(GpuDriver driver, GpuGemm reference) {
    this.driver = driver;
    this.reference = reference;
  }

  /** A shape's route, with what each candidate measured (µs) or why it was refused. */
  record Choice(GemmRoute route, Map<String, Double> micros, Map<String, String> refused) {
    /** "nvrtc-tf32-t64k16s4 12.1 us (nvrtc-tf32-t32k16s4 14.0, ...)" for logs. */
    String summary() {
      String others = micros.entrySet().stream()
          .filter(e -> !e.getKey().equals(route.name()))
          .map(e -> e.getKey() + " " + fmt(e.getValue()))
          .collect(Collectors.joining(", "));
      Double mine = micros.get(route.name());
      return route.name() + (mine == null ? "" : " " + fmt(mine) + " us")
          + (others.isEmpty() ? "" : " (" + others + ")")
          + (refused.isEmpty() ? "" : "; refused " + refused);
    }

    private static String fmt(double v) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
  }

  /** Shapes measured so far (a choice served from memory does not count). */
  int measured() {
    return measured;
  }

  /**
   * The fastest of {@code routes} (all for one shape) that agrees with the reference. One route
   * is taken as it is, unmeasured, and so is the one named {@code saved} (a choice recorded in a
   * cache entry). A shape chosen before keeps its choice, so that variants share its route. The
   * routes not chosen are released.
   *
   * @param saved the route an earlier measurement chose, or null
   * @throws EmberException KERNEL_FAILED when no route agrees with the reference
   */
  Choice choose(List<GemmRoute> routes, String saved) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("no GEMM route to choose from");
    }
    GemmShape s = routes.get(0).shape();
    String key = s + " " + routes.stream().map(GemmRoute::name).toList();
    Choice c = chosen.get(key);
    if (c != null) {
      routes.forEach(GemmRoute::release);
      return c;
    }
    GemmRoute named = routes.stream().filter(r -> r.name().equals(saved)).findFirst()
        .orElse(null);
    if (saved != null && named == null) {
      LOG.info("GEMM {}: the saved route {} is not offered here; measuring again",
          GemmRoutes.describe(s), saved);
    }
    if (named != null || routes.size() == 1) {
      c = new Choice(named != null ? named : routes.get(0), Map.of(), Map.of());
    } else {
      c = measure(s, routes);
      measured++;
      if (c.refused().isEmpty()) {
        LOG.info("GEMM {}: {}", GemmRoutes.describe(s), c.summary());
      } else { // a route that disagrees or fails is a kernel bug worth seeing
        LOG.warn("GEMM {}: {}", GemmRoutes.describe(s), c.summary());
      }
    }
    for (GemmRoute r : routes) {
      if (r != c.route()) {
        r.release();
      }
    }
    chosen.put(key, c);
    return c;
  }

  private Choice measure(GemmShape s, List<GemmRoute> routes) {
    GemmOperands o = GemmOperands.random(driver, s);
    Map<String, Double> micros = new LinkedHashMap<>();
    Map<String, String> refused = new LinkedHashMap<>();
    GemmRoute best = null;
    try {
      reference.enqueue(s, o.a(), o.b(), o.c(), o.bias());
      float[] want = o.outputs(driver, s);
      // NVRTC side by side on the host first; a route whose kernel does not compile meets the
      // same error again when it is enqueued below, and is refused with it.
      GemmRoute.compileAll(routes);
      int repeats = (int) Math.max(2, Math.min(MAX_REPEATS,
          TIMING_MICROS * ASSUMED_FLOPS_PER_MICRO / s.flops()));
      for (GemmRoute r : routes) {
        try {
          long b = o.b(driver, r); // a 16-bit copy is made here, before any capture
          r.enqueue(o.a(), b, o.c(), o.bias()); // compiles and allocates before any capture
          double err = GemmOperands.relError(want, o.outputs(driver, s));
          if (!(err <= r.precision().tolerance())) {
            refused.put(r.name(), String.format(Locale.ROOT,
                "relative error %.2e against the fp32 reference (tolerance %.0e)", err,
                r.precision().tolerance()));
            continue;
          }
          double us = CudaProfile.microsInGraph(driver,
              () -> r.enqueue(o.a(), b, o.c(), o.bias()), repeats);
          if (Double.isNaN(us)) {
            refused.put(r.name(), "its launches could not be captured into a CUDA graph");
            continue;
          }
          micros.put(r.name(), us);
          if (best == null || us < micros.get(best.name())) {
            best = r;
          }
        } catch (RuntimeException e) {
          driver.synchronize(); // a fault that broke the context ends the measuring here
          refused.put(r.name(), e.getMessage());
        }
      }
    } finally {
      o.free(driver);
    }
    if (best == null) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "no GEMM route for " + GemmRoutes.describe(s)
          + " on " + driver.device() + " agrees with the fp32 reference: " + refused,
          "set spark.ember.cuda.gemmPrecision=fp32, or spark.ember.device=cpu");
    }
    return new Choice(best, micros, refused);
  }
}
