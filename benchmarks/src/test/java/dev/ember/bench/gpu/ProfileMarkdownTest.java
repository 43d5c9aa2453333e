package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Section (e)'s table: a failed row, and the attention path's comparisons. */
class ProfileMarkdownTest {
  @Test
  void aFailedRowIsReportedAndTheOtherRowsStillPrint() {
    Map<String, Object> failed = new LinkedHashMap<>();
    failed.put("precision", "fp16");
    failed.put("error", "kernel fault");
    Map<String, Object> fine = new LinkedHashMap<>();
    fine.put("precision", Profile.UNFUSED);
    fine.put("deviceMsPerReplay", 1.5);
    fine.put("msPerCall", 1.75);
    fine.put("hostMsPerCall", 0.25);
    fine.put("stepSumMs", 1.25);
    fine.put("steps", 80);
    fine.put("attentionPathMicros", 400.0);
    fine.put("byKind", List.of());
    fine.put("top", List.of());
    fine.put("gemmRoutes", "");
    String md = Profile.markdown(CheckSize.DEVICE, List.of(failed, fine));
    assertTrue(md.contains("| fp16 | error: kernel fault |"), md);
    assertTrue(md.contains("| " + Profile.UNFUSED + " | 1.500 | 1.750 | 0.250 | 1.250 | 80 |"
        + " 400.0 |"), md);
    assertFalse(md.contains("target: 5x"), "no ratio without the fused row: " + md);
  }

  @Test
  void theFusedKernelIsComparedWithItsFloat32FormAndTheUnfusedPath() {
    List<Map<String, Object>> rows = List.of(row("fp16", 40.0), row("fp32", 60.0),
        row(Profile.UNFUSED, 400.0), row(Profile.FLOAT32_ATTENTION, 100.0),
        row(Profile.FP32_FLOAT32_ATTENTION, 90.0));
    String md = Profile.markdown(CheckSize.DEVICE, rows);
    assertTrue(md.contains("fused 40.0 µs, unfused 400.0 µs per replay: 10.00x (target: 5x)"),
        md);
    assertTrue(md.contains("Fused in float32 on the CUDA cores: 100.0 µs (4.00x unfused); on"
        + " tensor cores 2.50x faster than that."), md);
    assertTrue(md.contains("Attention path at fp32: 3xTF32 on tensor cores 60.0 µs, float32 on"
        + " the CUDA cores 90.0 µs: 1.50x."), md);
  }

  private static Map<String, Object> row(String precision, double attentionMicros) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("precision", precision);
    row.put("deviceMsPerReplay", 1.0);
    row.put("msPerCall", 1.0);
    row.put("hostMsPerCall", 0.0);
    row.put("stepSumMs", 1.0);
    row.put("steps", 10);
    row.put("attentionPathMicros", attentionMicros);
    row.put("byKind", List.of());
    row.put("top", List.of());
    row.put("gemmRoutes", "");
    return row;
  }
}
