package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CublasGemm;
import dev.ember.executor.backend.cuda.CudaProfile;
import dev.ember.executor.backend.cuda.GemmOperands;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmRoute;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GeneratedGemm;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
import dev.ember.executor.backend.cuda.KernelCompiler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TFLOP/s of the generated GEMM kernels ({@link GeneratedGemm}), and of cuBLAS where its library
 * loads ({@link CublasGemm}), per precision and route (output tile, and K split for thin shapes),
 * on the shapes of {@link CheckSize#gemmShapes} (on a device: MiniLM's GEMMs at 2,048 and 256
 * tokens, its per-head attention products, and 4096^3): launches on random data timed inside a
 * CUDA graph ({@link #measure}). Every route is timed, so the table shows what the built-in rule
 * picks (the first route) against the fastest, which is what the tuner takes; every result is
 * compared with the FP32 SIMT kernel's (relative error: max |C - C_fp32| / max |C_fp32|, within
 * {@link GemmPrecision#tolerance}), so a wrong route fails the check.
 */
final class GemmTflops {
  private GemmTflops() {}

  /**
   * One row per (precision, shape, route) of the generated GEMMs, and of cuBLAS where it loads:
   * tflops, relError, passed, whether it is the built-in rule's pick, and whether it is the
   * fastest that passed for its precision and shape (what the tuner takes).
   */
  static List<Map<String, Object>> run(CheckRig rig, GpuDriver driver, Results r) {
    return run(rig, driver, r, rig.size().gemmShapes(), GemmTflops::generatedAndCublas);
  }

  /** The GEMMs a table measures at one precision. */
  interface GemmSet {
    List<GpuGemm> at(GpuDriver driver, KernelCompiler compiler, GemmPrecision p);
  }

  /**
   * Like {@link #run(CheckRig, GpuDriver, Results)} over {@code shapes} and the GEMMs {@code
   * gemms} makes per precision (the generated FP32 kernel gives the reference either way). The
   * rows stand under "gemmTflops" in {@code r} from the start and are saved after each shape, so
   * a check its timeout cuts short keeps the shapes it finished.
   */
  static List<Map<String, Object>> run(CheckRig rig, GpuDriver driver, Results r,
      Map<String, GemmShape> shapes, GemmSet gemms) {
    List<Map<String, Object>> rows = new ArrayList<>();
    r.put("gemmTflops", rows);
    KernelCompiler compiler = rig.compiler();
    try (GeneratedGemm reference = new GeneratedGemm(driver, compiler, GemmPrecision.FP32)) {
      for (Map.Entry<String, GemmShape> e : shapes.entrySet()) {
        GemmShape s = e.getValue();
        GemmOperands o = GemmOperands.random(driver, s);
        try {
          reference.enqueue(s, o.a(), o.b(), o.c(), 0L);
          float[] want = o.outputs(driver, s);
          for (GemmPrecision p : GemmPrecision.values()) {
            List<Map<String, Object>> mine = new ArrayList<>();
            for (GpuGemm g : gemms.at(driver, compiler, p)) {
              try (g) {
                List<GemmRoute> routes = g.routes(s);
                // NVRTC on every core first; a kernel that does not compile fails its row below.
                GemmRoute.compileAll(routes);
                if (routes.isEmpty()) {
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("gemm", g.name());
                  row.put("shape", e.getKey());
                  row.put("skipped", g.whyNot(s));
                  rows.add(row);
                  continue;
                }
                for (GemmRoute route : routes) {
                  if (leftOut(route, s)) {
                    continue;
                  }
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("gemm", g.name());
                  row.put("shape", e.getKey());
                  row.put("route", route.name());
                  row.put("picked", g instanceof GeneratedGemm && route == routes.get(0));
                  row.put("tflops", measure(route, driver, s, o, rig.size().launches(s)));
                  double err = GemmOperands.relError(want, o.outputs(driver, s));
                  row.put("relError", err);
                  row.put("passed", err <= p.tolerance());
                  route.release();
                  mine.add(row);
                  r.progress("gemm " + row);
                }
              }
            }
            mine.stream().filter(m -> Boolean.TRUE.equals(m.get("passed")))
                .max((x, y) -> Double.compare((Double) x.get("tflops"), (Double) y.get("tflops")))
                .ifPresent(best -> best.put("fastest", true));
            rows.addAll(mine);
          }
        } finally {
          o.free(driver);
        }
        r.save();
      }
    }
    return rows;
  }

  /**
   * Whether the tables leave {@code route} out on {@code s}: 32-wide tiles at 4096 rows take
   * minutes of device time to show what larger tiles already show.
   */
  static boolean leftOut(GemmRoute route, GemmShape s) {
    return route.name().contains("-t32") && s.m() >= 4096;
  }

  /** The GEMMs measured at {@code p}: the generated one, and cuBLAS where it loads. */
  static List<GpuGemm> generatedAndCublas(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision p) {
    List<GpuGemm> out = new ArrayList<>();
    out.add(new GeneratedGemm(driver, compiler, p));
    out.addAll(cublas(driver, compiler, p));
    return out;
  }

  /** cuBLAS at {@code p} where it loads, else nothing. */
  static List<GpuGemm> cublas(GpuDriver driver, KernelCompiler compiler, GemmPrecision p) {
    return driver instanceof JCudaDriver jcuda && CublasGemm.unavailableReason() == null
        ? List.of(new CublasGemm(jcuda, compiler, p)) : List.of();
  }

  /**
   * A GEMM side check in a JVM of its own (CublasCheck, WgmmaCheck): the rows of {@code gemms}
   * over {@code shapes}, saved to {@code r} as a table. Returns the exit code: 0 when every GEMM
   * measured at least one shape and every measured row agrees with the FP32 kernel, 1 otherwise
   * or on an error. A shape a GEMM refuses (the wgmma GEMM by a weight refuses products of two
   * activations) is a row with its reason, not a failure; a GEMM that refuses them all (off
   * sm_90, say) fails the check.
   */
  static int sideCheck(CheckRig rig, Results r, Map<String, GemmShape> shapes, GemmSet gemms) {
    int exit = 0;
    try (GpuDriver driver = rig.openDriver()) {
      List<Map<String, Object>> rows = run(rig, driver, r, shapes, gemms);
      r.put("gemmTflops", rows);
      StringBuilder md = new StringBuilder("| route | shape | TFLOP/s | rel. error | passed |\n"
          + "|---|---|---|---|---|\n");
      Set<Object> gemmsSeen = new HashSet<>();
      Set<Object> gemmsMeasured = new HashSet<>();
      for (Map<String, Object> row : rows) {
        md.append("| ").append(row.getOrDefault("route", row.get("gemm"))).append(" | ")
            .append(row.get("shape")).append(" | ")
            .append(row.getOrDefault("tflops", row.get("skipped"))).append(" | ")
            .append(row.get("relError")).append(" | ").append(row.get("passed")).append(" |\n");
        gemmsSeen.add(row.get("gemm"));
        if (row.containsKey("skipped")) {
          continue;
        }
        gemmsMeasured.add(row.get("gemm"));
        if (!Boolean.TRUE.equals(row.get("passed"))) {
          exit = 1;
        }
      }
      if (rows.isEmpty() || !gemmsMeasured.containsAll(gemmsSeen)) {
        exit = 1;
      }
      r.markdown(md.toString());
    } catch (Exception | LinkageError e) {
      r.put("error", String.valueOf(e));
      r.markdown("Failed: " + String.valueOf(e).lines().findFirst().orElse(""));
      r.progress("failed: " + e);
      exit = 1;
    }
    r.put("passed", exit == 0);
    r.save();
    return exit;
  }

  /**
   * TFLOP/s of {@code route}: one warm-up launch (which also compiles the kernel),
   * then {@code iters} launches timed inside a CUDA graph ({@link CudaProfile#microsInGraph}).
   * Launched one by one from the host, a small GEMM measures JCuda's launch cost instead (the
   * first device runs showed the 2048x384x384 GEMMs at half the rate the model's graph gives).
   */
  static double measure(GemmRoute route, GpuDriver d, GemmShape s, GemmOperands o, int iters) {
    long b = o.b(d, route);
    Runnable launch = () -> route.enqueue(o.a(), b, o.c(), 0L);
    launch.run();
    d.synchronize();
    double micros = CudaProfile.microsInGraph(d, launch, iters);
    if (Double.isNaN(micros)) {
      throw new IllegalStateException("the GEMM launches could not be captured");
    }
    return s.flops() / (micros * 1e-6) / 1e12;
  }
}
