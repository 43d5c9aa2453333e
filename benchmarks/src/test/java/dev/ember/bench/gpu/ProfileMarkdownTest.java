package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Section (e)'s table when a precision's profile failed on the device. */
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
}
