package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CublasGemm;
import java.nio.file.Path;

/**
 * Whether cuBLAS can be reached on this machine, in a JVM of its own: {@code bin/lib/gpu-check}
 * runs it with a library folder on {@code LD_LIBRARY_PATH} (a {@code libcublas.so.12}, or the
 * device's CUDA 13 {@code libcublas.so.13} linked under the name JCuda 12.6 binds) and lets the
 * main check use that folder only when this exits 0. cuBLAS's GEMMs must load, run and agree
 * with the generated FP32 kernel on two MiniLM shapes at every precision; a crash or a wrong
 * result here costs the main check nothing.
 *
 * <p>Usage: {@code CublasCheck OUT_DIR}; writes {@code OUT_DIR/gpu-check.{json,md}}. Exits 0
 * when cuBLAS loads and agrees, 3 when it does not load, 1 when a result is wrong or it fails.
 */
public final class CublasCheck {
  private CublasCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: CublasCheck OUT_DIR");
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
    int exit = GemmTflops.sideCheck(rig, r, rig.size().fullBatch(), GemmTflops::cublas);
    System.exit(exit);
  }
}
