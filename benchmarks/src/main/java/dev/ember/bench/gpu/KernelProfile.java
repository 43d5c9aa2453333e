package dev.ember.bench.gpu;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaProfile;
import dev.ember.executor.backend.cuda.GemmOperands;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmRoute;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GeneratedGemm;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.KernelCompiler;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device check's kernels as a hardware profiler sees them, for when a target is missed:
 * {@code bin/lib/gpu-check} runs this class under Nsight Compute ({@code ncu --profile-from-start
 * off}), which then records only the work inside {@link GpuDriver#profiled} ranges, not the
 * compiling, tuning and warm-up around them. Two parts, each in a process of its own:
 *
 * <ul>
 *   <li>{@code gemm}: at fp16, every route of the square GEMM (4096^3 on a device, the 50 %
 *       target's shape) and of MiniLM's GEMM with the most FLOPs at full batch, each launched
 *       once in the range after a warm-up launch outside it: the generated tiles, cuBLAS where it
 *       loads, the wgmma GEMMs where {@link GpuCheck#OFFER_WGMMA} is set. The 32-wide tiles are
 *       left out at 4096 rows, as section (d) leaves them.
 *   <li>{@code minilm}: one graph replay of the fp16 MiniLM variant at {@link
 *       CheckSize#profileRows} x {@link CheckSize#profileSeq}, its GEMMs tuned as users get them.
 * </ul>
 *
 * <p>Usage: {@code KernelProfile OUT_DIR DATA_DIR gemm|minilm}; writes {@code
 * OUT_DIR/gpu-check.{json,md}} with what the range held: the routes in launch order (shape,
 * FLOPs, route), or the variant's steps with their labels (generated kernel {@code kN} is
 * "kernel #N ..."). Exits 0, or 1 when the part failed.
 */
public final class KernelProfile {
  static final List<String> PARTS = List.of("gemm", "minilm");

  private KernelProfile() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !PARTS.contains(args[2])) {
      System.err.println("usage: KernelProfile OUT_DIR DATA_DIR gemm|minilm");
      System.exit(2);
    }
    System.exit(run(CheckRig.gpu(), new Results(Path.of(args[0])), Path.of(args[1]), args[2]));
  }

  /** One part on {@code rig}; returns the exit code. */
  static int run(CheckRig rig, Results r, Path data, String part) {
    r.put("part", part);
    try {
      if (part.equals("gemm")) {
        gemms(rig, r);
      } else {
        miniLm(rig, r, data);
      }
      r.put("passed", true);
      return 0;
    } catch (Exception | LinkageError e) {
      r.put("error", String.valueOf(e));
      r.markdown("Failed: " + e);
      r.put("passed", false);
      e.printStackTrace();
      return 1;
    } finally {
      r.save();
    }
  }

  /** The gemm part's shapes: the square GEMM, and the model's with the most FLOPs. */
  static Map<String, GemmShape> gemmShapes(CheckSize size) {
    Map<String, GemmShape> out = new LinkedHashMap<>();
    size.squareAndFullBatch().forEach((name, s) -> {
      if (name.startsWith("square")) {
        out.put(name, s);
      }
    });
    size.fullBatch().entrySet().stream()
        .max(Comparator.comparingDouble(e -> e.getValue().flops()))
        .ifPresent(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private record Launch(GemmRoute route, long b) {}

  private static void gemms(CheckRig rig, Results r) {
    List<Map<String, Object>> profiled = new ArrayList<>();
    Map<String, String> refused = new LinkedHashMap<>();
    try (GpuDriver driver = rig.openDriver()) {
      List<GpuGemm> gemms = fp16Gemms(driver, rig.compiler());
      try {
        for (Map.Entry<String, GemmShape> e : gemmShapes(rig.size()).entrySet()) {
          GemmShape s = e.getValue();
          GemmOperands o = GemmOperands.random(driver, s);
          List<Launch> launches = new ArrayList<>();
          try {
            for (GpuGemm g : gemms) {
              for (GemmRoute route : g.routes(s)) {
                if (GemmTflops.leftOut(route, s)) {
                  route.release();
                  continue;
                }
                try {
                  long b = o.b(driver, route);
                  route.enqueue(o.a(), b, o.c(), 0L); // compiles and loads outside the range
                  launches.add(new Launch(route, b));
                } catch (RuntimeException ex) {
                  refused.put(e.getKey() + ": " + route.name(), String.valueOf(ex));
                  route.release();
                }
              }
            }
            driver.synchronize(); // a fault that broke the context fails the part here
            r.progress(e.getKey() + ": " + launches.size() + " routes in the profiled range");
            driver.profiled(() -> launches.forEach(
                l -> l.route().enqueue(o.a(), l.b(), o.c(), 0L)));
            for (Launch l : launches) {
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("shape", e.getKey());
              row.put("flops", s.flops());
              row.put("route", l.route().name());
              profiled.add(row);
            }
          } finally {
            launches.forEach(l -> l.route().release());
            o.free(driver);
          }
        }
      } finally {
        gemms.forEach(GpuGemm::close);
      }
    }
    r.put("profiled", profiled);
    r.put("refused", refused);
    r.markdown("GEMM routes profiled, in launch order:\n\n" + String.join("\n",
        profiled.stream().map(p -> "- " + p.get("shape") + ": " + p.get("route")).toList())
        + (refused.isEmpty() ? ""
            : "\n\nRefused before the range: " + refused) + "\n");
  }

  /** The fp16 GEMMs the device check's tuner weighs. */
  private static List<GpuGemm> fp16Gemms(GpuDriver driver, KernelCompiler compiler) {
    GemmPrecision p = GemmPrecision.FP16;
    List<GpuGemm> out = new ArrayList<>();
    out.add(new GeneratedGemm(driver, compiler, p));
    out.addAll(GemmTflops.cublas(driver, compiler, p));
    if (Boolean.getBoolean(GpuCheck.OFFER_WGMMA)) {
      GpuCheck.WGMMA_GEMMS.forEach(g -> out.add(g.make(driver, compiler, p)));
    }
    return out;
  }

  private static void miniLm(CheckRig rig, Results r, Path data) throws Exception {
    CheckSize size = rig.size();
    Graph graph = Embed.pooled(OnnxLoader.load(ModelSkeleton.regenerate(
        Files.readAllBytes(data.resolve(GpuPrepare.SKELETON_FILE))), "minilm-skeleton").graph());
    List<long[]> ids = TokenIds.read(data.resolve(GpuPrepare.IDS_FILE));
    CudaDevice device = rig.device();
    if (Boolean.getBoolean(GpuCheck.OFFER_WGMMA)) {
      GpuCheck.WGMMA_GEMMS.forEach(device::offer);
    }
    CudaBackend cuda = new CudaBackend(device, size.options(GemmPrecision.FP16, true));
    CompileWrapper w = size.wrapper(graph, cuda, new InMemoryVariantStore());
    int rows = size.profileRows();
    int seq = size.profileSeq();
    Map<String, Tensor> feeds = Embed.feeds(ids, Embed.rowsUpTo(ids, rows, seq), seq);
    r.progress("compiling and tuning the fp16 variant for " + rows + " x " + seq);
    w.call(feeds); // compile, tune, capture: outside the range
    CompiledVariant v = w.variant(w.captureIndex(rows, seq));
    CudaProfile.profiledPass(v, feeds);
    r.put("shape", rows + "x" + seq);
    r.put("captured", CudaProfile.captured(v));
    r.put("steps", CudaProfile.stepCount(v));
    r.put("stepLabels", CudaProfile.stepLabels(v)); // names the profiler's kN kernels
    r.markdown("One " + (CudaProfile.captured(v) ? "graph replay" : "pass") + " of the fp16"
        + " MiniLM variant at " + rows + " x " + seq + ": " + CudaProfile.stepCount(v)
        + " steps.\n");
  }
}
