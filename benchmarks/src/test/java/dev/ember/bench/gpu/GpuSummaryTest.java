package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/gpu/summary.py} on made-up results of one run: the GEMM table reads the fastest
 * 4096^3 route per precision (any, and generated) against the device's nominal dense peak and
 * against cuBLAS on 16-bit data, and says whether the fp16 target is met; a missing torch file is
 * reported, not skipped; the routes each profiled variant's tuner took and refused are counted.
 */
class GpuSummaryTest {
  @TempDir
  Path out;

  @Test
  void gemmTableReadsTheFastestRoutesAgainstPeakAndCublasOnHalfData() throws Exception {
    Files.writeString(out.resolve("gpu-check.json"), """
        {"probe": {"name": "NVIDIA H100 80GB HBM3"}, "gemmTflops": [
          {"gemm": "nvrtc-fp16", "shape": "square 4096^3", "route": "nvrtc-fp16-t128k32",
           "tflops": 300.0, "passed": true, "fastest": false},
          {"gemm": "cublas-fp16", "shape": "square 4096^3", "route": "cublas-fp16",
           "tflops": 520.0, "passed": true, "fastest": true},
          {"gemm": "nvrtc-tf32", "shape": "square 4096^3", "route": "nvrtc-tf32-t64k32",
           "tflops": 98.94, "passed": true, "fastest": true}]}
        """);
    Files.createDirectories(out.resolve("sixteen-bit"));
    Files.writeString(out.resolve("sixteen-bit/gpu-check.json"), """
        {"gemmTflops": [{"gemm": "cublas-fp16-data", "shape": "square 4096^3",
          "route": "cublas-fp16-data", "tflops": 650.0, "passed": true},
          {"gemm": "wgmma-fp16-data", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-t64x128", "tflops": 310.0, "passed": true},
          {"gemm": "wgmma-bf16-data", "shape": "square 4096^3",
           "route": "wgmma-bf16-data-t64x128", "tflops": 900.0, "passed": false}]}
        """);
    String summary = run();
    // The wgmma GEMM on 16-bit data counts as generated; a row that disagreed counts as nothing.
    assertTrue(summary.contains("| fp16 | cublas-fp16 | 520.0 | 53% | wgmma-fp16-data-t64x128 |"
        + " 310.0 | 650.0 | 0.48 |"), summary);
    assertFalse(summary.contains("wgmma-bf16-data"), summary);
    assertTrue(summary.contains("| tf32 | nvrtc-tf32-t64k32 | 98.9 | 20% | nvrtc-tf32-t64k32 |"
        + " 98.9 | missing | n/a |"), summary);
    assertTrue(summary.contains("fp16 GEMM at 4096^3: 520.0 of a nominal 989 TFLOP/s dense (53%;"
        + " target 50%): met"), summary);
    assertTrue(summary.contains("- torch-reference:"), "a missing file is named: " + summary);
  }

  @Test
  void anUnknownDeviceHasNoPeakAndMissingRowsAreSaidToBeMissing() throws Exception {
    Files.writeString(out.resolve("gpu-check.json"), """
        {"probe": {"name": "Some GPU"}, "gemmTflops": [
          {"gemm": "nvrtc-fp16", "shape": "square 4096^3", "route": "nvrtc-fp16-t128k32",
           "tflops": 90.0, "passed": true, "fastest": true}]}
        """);
    String summary = run();
    assertTrue(summary.contains("| fp16 | nvrtc-fp16-t128k32 | 90.0 | n/a | nvrtc-fp16-t128k32 |"
        + " 90.0 | missing | n/a |"), summary);
    assertTrue(summary.contains("No nominal peak known for 'Some GPU'"), summary);
    Files.writeString(out.resolve("gpu-check.json"), "{}");
    assertTrue(run().contains("GEMM at 4096^3: missing from gpu-check.json"));
  }

  @Test
  void routesTakenAndRefusedAreCountedPerProfiledVariant() throws Exception {
    // gemmRoutes is the variant's gemm-routes.json as a string, as Profile saves it.
    String routes = """
        {"routes": [
          {"shape": "a", "route": "nvrtc-fp32-3xtf32-t64k16s4", "micros": {}, "refused": {}},
          {"shape": "b", "route": "nvrtc-fp32-3xtf32-t64k16s4", "micros": {}, "refused": {}},
          {"shape": "c", "route": "nvrtc-fp32-split2", "micros": {},
           "refused": {"nvrtc-fp32-3xtf32-t32k16s4-split2": "relative error 2.00e-05"}}
        ]}
        """;
    Files.writeString(out.resolve("gpu-check.json"), "{\"profile\": [{\"precision\": \"fp32\","
        + " \"gemmRoutes\": " + quoted(routes) + "}, {\"precision\": \"fp16\"}]}");
    String summary = run();
    assertTrue(summary.contains("| fp32 | nvrtc-fp32-3xtf32-t64k16s4 x2, nvrtc-fp32-split2 x1 |"
        + " nvrtc-fp32-3xtf32-t32k16s4-split2 x1 |"), summary);
    String table = summary.substring(summary.indexOf("| profiled variant |"));
    assertEquals(3, table.lines().filter(l -> l.startsWith("|")).count(),
        "header, rule and the fp32 row; the fp16 row, without routes, is left out: " + table);
  }

  @Test
  void theAttentionPathComparesTensorCoresWithFloat32AndUnfused() throws Exception {
    Files.writeString(out.resolve("gpu-check.json"), """
        {"profile": [
          {"precision": "fp16", "shape": "64x32", "attentionPathMicros": 40.0},
          {"precision": "fp16, attention unfused", "attentionPathMicros": 400.0},
          {"precision": "fp16, attention fused in float32", "attentionPathMicros": 100.0},
          {"precision": "fp32", "attentionPathMicros": 60.0},
          {"precision": "fp32, attention fused in float32", "attentionPathMicros": 90.0}
        ]}
        """);
    String summary = run();
    assertTrue(summary.contains("Attention path at fp16 (64x32 batch, per replay): fused 40.0 us,"
        + " unfused 400.0 us: 10.00x (target 5x)"), summary);
    assertTrue(summary.contains("in float32 on the CUDA cores: 100.0 us (4.00x unfused); on"
        + " tensor cores it is 2.50x faster than that."), summary);
    assertTrue(summary.contains("Attention path at fp32: 3xTF32 on tensor cores 60.0 us, float32"
        + " on the CUDA cores 90.0 us: 1.50x."), summary);
  }

  /** {@code text} as a JSON string literal. */
  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private String run() throws Exception {
    return RepoFiles.summary(out);
  }
}
