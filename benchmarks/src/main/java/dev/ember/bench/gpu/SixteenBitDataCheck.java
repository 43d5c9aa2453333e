package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CublasGemm;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
import dev.ember.executor.backend.cuda.KernelCompiler;
import dev.ember.executor.backend.cuda.WgmmaGemm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * GEMMs on fp16 and bf16 operands in memory, as torch stores them at those precisions, in a JVM of
 * its own: Ember's wgmma GEMM on 16-bit data ({@link WgmmaGemm#onHalfData}) and, where cuBLAS
 * loads, cuBLAS on the same copies ({@link CublasHalfData}), at 4096^3 and MiniLM's shapes at
 * 2,048 tokens; at fp16 also every wgmma tile in 3 to 8 stages 32 or 64 deep, the latter
 * 128-byte swizzled, and each tile warp-specialised ({@link WgmmaGemm#stageSweep}). Each
 * result is checked against the generated FP32 kernel on the float32 originals. {@code
 * summary.md} reads Ember's GEMMs against cuBLAS's figure here: what this device reaches with
 * 16-bit operands.
 *
 * <p>Usage: {@code SixteenBitDataCheck OUT_DIR}; writes {@code OUT_DIR/gpu-check.{json,md}}.
 * Exits 0 when every row agrees, 1 otherwise. Nothing else depends on its exit.
 */
public final class SixteenBitDataCheck {
  private SixteenBitDataCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: SixteenBitDataCheck OUT_DIR");
      System.exit(2);
    }
    System.exit(run(CheckRig.gpu(), new Results(Path.of(args[0]))));
  }

  /** The check on {@code rig}; returns the exit code. */
  static int run(CheckRig rig, Results r) {
    return GemmTflops.sideCheck(rig, r, rig.size().squareAndFullBatch(),
        SixteenBitDataCheck::gemms);
  }

  /**
   * At fp16 and bf16: the wgmma GEMM (B read as B^T), at fp16 its stage sweep too, and cuBLAS
   * where it loads, on copies.
   */
  static List<GpuGemm> gemms(GpuDriver driver, KernelCompiler compiler, GemmPrecision p) {
    List<GpuGemm> out = new ArrayList<>();
    if (p != GemmPrecision.FP16 && p != GemmPrecision.BF16) {
      return out;
    }
    out.add(new SixteenBitCopies(driver, WgmmaGemm.onHalfData(driver, compiler, p), p, true));
    if (p == GemmPrecision.FP16) { // how deep a pipeline each tile wants, for its default
      out.add(new SixteenBitCopies(driver, WgmmaGemm.stageSweep(driver, compiler, p), p, true));
    }
    if (driver instanceof JCudaDriver jcuda && CublasGemm.unavailableReason() == null) {
      out.add(new SixteenBitCopies(driver, new CublasHalfData(jcuda, p), p, false));
    }
    return out;
  }
}
