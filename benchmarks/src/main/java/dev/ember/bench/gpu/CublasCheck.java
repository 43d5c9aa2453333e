package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CublasGemm;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
import dev.ember.executor.backend.cuda.KernelCompiler;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether cuBLAS can be reached on this machine, in a JVM of its own: {@code bin/lib/gpu-check}
 * runs it with a library folder on {@code LD_LIBRARY_PATH} (a {@code libcublas.so.12}, or the
 * device's CUDA 13 {@code libcublas.so.13} linked under the name JCuda 12.6 binds) and lets the
 * main check use that folder only when this exits 0. cuBLAS's GEMMs must load, run and agree
 * with the generated FP32 kernel on two MiniLM shapes at every precision; a crash or a wrong
 * result here costs the main check nothing.
 *
 * <p>With {@code rows}, the same for cuBLAS on A's 16-bit rows copy and the weight's 16-bit copy
 * at fp16 and bf16 ({@link CublasGemm#onHalfRows}), which GpuCheck's tuner may then weigh ({@link
 * GpuCheck#OFFER_CUBLAS_ROWS}); run after the plain check passed, so that a fault in it costs
 * cuBLAS nothing.
 *
 * <p>Usage: {@code CublasCheck OUT_DIR [rows]}; writes {@code OUT_DIR/gpu-check.{json,md}}. Exits
 * 0 when cuBLAS loads and agrees, 3 when it does not load, 1 when a result is wrong or it fails.
 */
public final class CublasCheck {
  /** The argument that checks cuBLAS on 16-bit rows ({@link CublasGemm#onHalfRows}) instead. */
  static final String ROWS = "rows";

  private CublasCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2 || args.length == 2 && !args[1].equals(ROWS)) {
      System.err.println("usage: CublasCheck OUT_DIR [rows]");
      System.exit(2);
    }
    Results r = new Results(Path.of(args[0]));
    String why = CublasGemm.unavailableReason();
    r.put("cublas", why == null ? "loads" : why);
    r.progress("cuBLAS: " + (why == null ? "loads" : why));
    if (why != null) {
      r.markdown("cuBLAS does not load: " + why);
      r.save();
      System.exit(3);
    }
    CheckRig rig = CheckRig.gpu();
    boolean rows = args.length == 2 && args[1].equals(ROWS);
    int exit = GemmTflops.sideCheck(rig, r, rig.size().fullBatch(),
        rows ? CublasCheck::onHalfRows : GemmTflops::cublas);
    System.exit(exit);
  }

  /** fp16 and bf16: cuBLAS on A's 16-bit rows copy and the weight's 16-bit copy. */
  static List<GpuGemm> onHalfRows(GpuDriver driver, KernelCompiler compiler, GemmPrecision p) {
    return (p == GemmPrecision.FP16 || p == GemmPrecision.BF16)
        && driver instanceof JCudaDriver jcuda
        ? List.of(CublasGemm.onHalfRows(jcuda, compiler, p)) : List.of();
  }
}
