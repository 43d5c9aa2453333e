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
           "route": "wgmma-bf16-data-t64x128", "tflops": 900.0, "passed": false},
          {"gemm": "wgmma-fp16-data-stages", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-stages-t128x256s3", "tflops": 280.0, "passed": true},
          {"gemm": "wgmma-fp16-data-stages", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-stages-t128x256s8", "tflops": 330.0, "passed": true},
          {"gemm": "wgmma-fp16-data-stages", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-stages-t64x128s8", "tflops": 990.0, "passed": false},
          {"gemm": "wgmma-fp16-data-stages", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-stages-t128x256k64s3", "tflops": 300.0, "passed": true},
          {"gemm": "wgmma-fp16-data-stages", "shape": "square 4096^3",
           "route": "wgmma-fp16-data-stages-t128x128k64s8ws", "tflops": 320.0, "passed": true},
          {"gemm": "wgmma-fp16-data-stages", "shape": "minilm ffn-up 2048x1536x384",
           "route": "wgmma-fp16-data-stages-t64x128s3", "tflops": 50.0, "passed": true}]}
        """);
    String summary = run();
    // The wgmma GEMM on 16-bit data counts as generated; a row that disagreed counts as nothing.
    assertTrue(summary.contains("| fp16 | cublas-fp16 | 520.0 | 53% |"
        + " wgmma-fp16-data-stages-t128x256s8 | 330.0 | 650.0 | 0.51 |"), summary);
    // The sweep per tile, K a stage and depth at 4096^3 only; a row that disagreed says so, and
    // the warp-specialised kernel has rows of its own.
    assertTrue(summary.contains("| tile | K a stage | 3 stages | 8 stages |\n|---|---:|---:|---:|\n"
        + "| 64x128 | 32 |  | FAILED |\n| 128x128 ws | 64 |  | 320.0 |\n"
        + "| 128x256 | 32 | 280.0 | 330.0 |\n| 128x256 | 64 | 300.0 |  |\n"), summary);
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

  @Test
  void nsightComputeRowsArePairedWithTheirRoutesAndSteps() throws Exception {
    Path ncu = Files.createDirectories(out.resolve("ncu"));
    Files.writeString(ncu.resolve("status"), "gemm: exit 0\nminilm: exit 0\n");
    // As ncu's details page writes it: a profiler line, then one row per kernel and metric.
    StringBuilder csv = new StringBuilder("==PROF== Disconnected from process 4242\n\"ID\","
        + "\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\","
        + "\"Stream\",\"Block Size\",\"Grid Size\",\"Device\",\"CC\",\"Section Name\","
        + "\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n");
    kernel(csv, 0, "ember_gemm_fp16_t128k32", "(1, 1, 1)", "usecond", "1,374.40", "41.5");
    kernel(csv, 1, "ember_half_rows_fp16", "(8, 1, 1)", "usecond", "30.00", "5.0");
    kernel(csv, 2, "ember_gemm_fp16_t64k16s4_hab", "(2, 1, 1)", "msecond", "0.40", "80.25");
    kernel(csv, 3, "ember_gemm_fp16_t32k16s4", "(3, 1, 1)", "usecond", "20.00", "12.0");
    kernel(csv, 4, "ember_gemm_splitk_reduce", "(4, 1, 1)", "nsecond", "5,000", "2.0");
    Files.writeString(ncu.resolve("gemm-details.csv"), csv);
    Files.createDirectories(ncu.resolve("gemm"));
    Files.writeString(ncu.resolve("gemm/gpu-check.json"), """
        {"profiled": [
          {"shape": "square 4096^3", "flops": 1.37438953472E11, "route": "nvrtc-fp16-t128k32"},
          {"shape": "square 4096^3", "flops": 1.37438953472E11,
           "route": "nvrtc-fp16-t64k16s4-hab"},
          {"shape": "minilm ffn-up", "flops": 2.415919104E9, "route": "nvrtc-fp16-split2"}]}
        """);
    csv.setLength(csv.indexOf("\n", csv.indexOf("\"ID\"")) + 1);
    kernel(csv, 0, "k2", "(16, 1, 1)", "usecond", "3.10", "9.0");
    kernel(csv, 1, "ember_gemm_fp16_t64k32_hb", "(2, 1, 1)", "usecond", "12.00", "30.0");
    Files.writeString(ncu.resolve("minilm-details.csv"), csv);
    Files.createDirectories(ncu.resolve("minilm"));
    Files.writeString(ncu.resolve("minilm/gpu-check.json"), """
        {"stepLabels": ["elementwise: kernel #2 elementwise[3] (/Cast, /Sub, /Mul)",
          "gemm: kernel #6 gemm(weights)+bias[x3] (/encoder/layer.0/attention/self/query)"]}
        """);
    Files.writeString(out.resolve("gpu-check.json"), "{}");

    String summary = run();
    assertTrue(summary.contains("- gemm: exit 0\n- minilm: exit 0"), summary);
    // 137.4 GFLOP in 1,374.4 us; the copy and the product in 430 us; a product and its sums.
    assertTrue(summary.contains("| square 4096^3 | nvrtc-fp16-t128k32 | 1 | 1374.4 | 100.0 |"
        + " 41.5 | 20.8 | 10.4 | 20.8 | 128.0 |"), summary);
    assertTrue(summary.contains("| square 4096^3 | nvrtc-fp16-t64k16s4-hab | 2 | 430.0 | 319.6 |"
        + " 80.2 |"), summary);
    assertTrue(summary.contains("| minilm ffn-up | nvrtc-fp16-split2 | 2 | 25.0 | 96.6 | 12.0 |"),
        summary);
    assertTrue(summary.contains("| k2 | elementwise: kernel #2 elementwise[3] (/Cast, /Sub, /Mul)"
        + " | (16, 1, 1) | (128, 1, 1) | 3.1 | 9.0 |"), summary);
    assertTrue(summary.contains("| ember_gemm_fp16_t64k32_hb |  | (2, 1, 1) |"), summary);

    Files.delete(ncu.resolve("minilm-details.csv"));
    Files.writeString(ncu.resolve("gemm/gpu-check.json"), "{\"profiled\": []}");
    summary = run();
    assertTrue(summary.contains("5 kernels do not pair with 0 routes"), summary);
    assertFalse(summary.contains("One fp16 MiniLM replay"), summary);
    Files.delete(ncu.resolve("status"));
    assertTrue(run().contains("Not run: no OUT/ncu/status."));
  }

  /**
   * One kernel's rows of ncu's details page: its duration in {@code unit}, SM throughput {@code
   * sm} %, memory throughput half that, DRAM a quarter, occupancy half, 128 registers.
   */
  private static void kernel(StringBuilder csv, int id, String name, String grid, String unit,
      String duration, String sm) {
    double v = Double.parseDouble(sm);
    String[][] metrics = {{"GPU Speed Of Light Throughput", "Duration", unit, duration},
        {"GPU Speed Of Light Throughput", "Compute (SM) Throughput", "%", sm},
        {"GPU Speed Of Light Throughput", "Memory Throughput", "%", String.valueOf(v / 2)},
        {"GPU Speed Of Light Throughput", "DRAM Throughput", "%", String.valueOf(v / 4)},
        {"Occupancy", "Achieved Occupancy", "%", String.valueOf(v / 2)},
        {"Launch Statistics", "Registers Per Thread", "register/thread", "128"}};
    for (String[] m : metrics) {
      csv.append(String.format("\"%d\",\"4242\",\"java\",\"127.0.0.1\",\"%s\",\"1\","
          + "\"7\",\"(128, 1, 1)\",\"%s\",\"0\",\"9.0\",\"%s\",\"%s\",\"%s\",\"%s\"%n",
          id, name, grid, m[0], m[1], m[2], m[3]));
    }
  }

  /** {@code text} as a JSON string literal. */
  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private String run() throws Exception {
    return RepoFiles.summary(out);
  }
}
