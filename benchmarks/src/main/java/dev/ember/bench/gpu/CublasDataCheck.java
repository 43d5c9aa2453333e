package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cuBLAS on fp16 and bf16 data ({@link CublasHalfData}) at 4096^3 and MiniLM's FFN shape, in a JVM
 * of its own after {@link CublasCheck} has kept cuBLAS: the TFLOP/s this device reaches with
 * 16-bit operands in memory, beside which {@code summary.md} reads Ember's best GEMM. Each result
 * is checked against the generated FP32 kernel like every other GEMM row.
 *
 * <p>Usage: {@code CublasDataCheck OUT_DIR}; writes {@code OUT_DIR/gpu-check.{json,md}}. Exits 0
 * when every row agrees, 1 otherwise. Nothing else depends on its exit.
 */
public final class CublasDataCheck {
  private CublasDataCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: CublasDataCheck OUT_DIR");
      System.exit(2);
    }
    Map<String, GemmShape> shapes = new LinkedHashMap<>(GemmTflops.shapes());
    shapes.keySet().retainAll(List.of("square 4096^3", "minilm ffn-up 2048x1536x384"));
    System.exit(GemmTflops.sideCheck(new Results(Path.of(args[0])), shapes,
        CublasDataCheck::halfData));
  }

  /** cuBLAS on 16-bit data at fp16 and bf16; nothing at the other precisions. */
  static List<GpuGemm> halfData(GpuDriver driver, GemmPrecision p) {
    return driver instanceof JCudaDriver jcuda
        && (p == GemmPrecision.FP16 || p == GemmPrecision.BF16)
        ? List.of(new SixteenBitCopies(driver, new CublasHalfData(jcuda, p), p, false))
        : List.of();
  }
}
