package dev.ember.executor.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * spark.ember.backend=ort on a model Ember compiles itself (all-MiniLM-L6-v2): the compile wrapper
 * runs it on ONNX Runtime, and its outputs are ONNX Runtime's, next to Ember's own within 1e-4.
 */
class MiniLmOnOrtBackendTest {
  @Test
  void ortPolicyGivesOnnxRuntimesOutputs() throws Exception {
    byte[] bytes = MiniLmFixture.modelBytes();
    Map<String, Tensor> feeds = MiniLmFixture.syntheticFeeds(3, 12, 5);
    CompileWrapper ort = CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend()).backendPolicy(BackendPolicy.ORT)
        .build(MiniLmFixture.graph(), bytes);
    assertEquals("onnxruntime", ort.backendName());
    assertTrue(ort.backendChoice().orElseThrow().missingOps().isEmpty());
    float[] got = ort.call(feeds).get("last_hidden_state").rawFloats();

    float[] reference = MiniLmVsOnnxRuntimeTest.runOrt(bytes, feeds);
    assertEquals(reference.length, got.length);
    double vsOrt = maxDiff(reference, got);
    float[] ember = CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend()).backendPolicy(BackendPolicy.EMBER)
        .build(MiniLmFixture.graph(), bytes).call(feeds).get("last_hidden_state").rawFloats();
    double vsEmber = maxDiff(ember, got);
    System.out.printf("MiniLM on the ORT backend: max |diff| vs plain ORT %.3g, vs Ember %.3g%n",
        vsOrt, vsEmber);
    // Plain ORT here runs ALL_OPT with 2 threads, the backend EXTENDED_OPT with 1: fusions and
    // summation order differ in the last bits only.
    assertTrue(vsOrt <= 1e-5, "vs plain ONNX Runtime " + vsOrt);
    assertTrue(vsEmber <= 1e-4, "vs Ember " + vsEmber);
  }

  private static double maxDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
