package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.Nvrtc;
import dev.ember.executor.backend.cuda.WgmmaGemm;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experimental Hopper GEMM ({@link WgmmaGemm}) on the device, in a JVM of its own so that a
 * fault costs the main check nothing: fp16 and bf16, each result
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
    Results r = new Results(Path.of(args[0]));
    Map<String, GemmShape> shapes = new LinkedHashMap<>(GemmTflops.shapes());
    shapes.put("odd 1000x1000x1000", GemmShape.rowMajor(1, 1000, 1000, 1000)); // edge tiles
    int exit = GemmTflops.sideCheck(r, shapes, (driver, p) ->
        p == GemmPrecision.FP16 || p == GemmPrecision.BF16
            ? List.of(new WgmmaGemm(driver, new Nvrtc(), p)) : List.of());
    System.exit(exit);
  }
}
