package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.WgmmaGemm;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experimental Hopper GEMMs ({@link WgmmaGemm}: on float32 data, float32 A by a weight's
 * 16-bit copy, and A copied into 16-bit rows by the route, then on the 16-bit-data kernel by the
 * weight's copy) on the device, in a JVM of its own so that a fault costs the main check nothing:
 * fp16 and bf16, each result
 * against the generated FP32 kernel, TFLOP/s timed inside a CUDA graph. Rows of other
 * precisions say why they were skipped; off sm_90 every row does. The shapes are the main
 * check's GEMM table's, and one whose sides are no multiple of any tile.
 *
 * <p>Usage: {@code WgmmaCheck OUT_DIR}; writes {@code OUT_DIR/gpu-check.{json,md}}. Exits 0 when
 * every measured row agrees, 1 otherwise.
 */
public final class WgmmaCheck {
  private WgmmaCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: WgmmaCheck OUT_DIR");
      System.exit(2);
    }
    System.exit(run(CheckRig.gpu(), new Results(Path.of(args[0]))));
  }

  /** The check on {@code rig}; returns the exit code. */
  static int run(CheckRig rig, Results r) {
    Map<String, GemmShape> shapes = new LinkedHashMap<>(rig.size().gemmShapes());
    // 1000 on a device: no multiple of any tile, so every edge tile runs
    int odd = rig.size().gemmTokens() * 125 / 256;
    shapes.put("odd " + odd + "x" + odd + "x" + odd, GemmShape.onWeight(odd, odd, odd));
    return GemmTflops.sideCheck(rig, r, shapes, (driver, compiler, p) ->
        p == GemmPrecision.FP16 || p == GemmPrecision.BF16
            ? GpuCheck.WGMMA_GEMMS.stream().map(g -> g.make(driver, compiler, p)).toList()
            : List.of());
  }
}
