package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 on a real GPU (skipped without one): every GEMM precision of the generated
 * kernels, and cuBLAS where it loads, at compile level 3 with CUDA graphs, against the CPU
 * interpreter; the smallest per-token cosine must reach 0.9999 (fp32, tf32) or 0.999 (fp16,
 * bf16).
 */
class CudaBackendGpuTest {
  private static Graph miniLm;
  private static Interpreter interp;
  private static CudaDevice device;

  @BeforeAll
  static void setUp() {
    GpuAssumptions.assumeGpu();
    miniLm = MiniLmFixture.graph();
    interp = new Interpreter(miniLm, OpRegistry.standard());
    device = CudaDevice.open(0);
  }

  /** The smallest cosine between matching token vectors (last axis) of two outputs. */
  static double minCosine(Tensor a, Tensor b) {
    float[] x = a.rawFloats();
    float[] y = b.rawFloats();
    int d = a.dim(a.rank() - 1);
    double min = 1;
    for (int r = 0; r < x.length / d; r++) {
      double xy = 0;
      double xx = 0;
      double yy = 0;
      for (int j = r * d; j < (r + 1) * d; j++) {
        xy += (double) x[j] * y[j];
        xx += (double) x[j] * x[j];
        yy += (double) y[j] * y[j];
      }
      min = Math.min(min, xy / Math.sqrt(xx * yy));
    }
    return min;
  }

  private void check(CudaOptions o, double minCos) {
    CudaBackend b = new CudaBackend(device, o);
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(4)).withSeqBuckets(List.of(40))).backend(b).build(miniLm);
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(4, 37, 11);
    Tensor want = interp.run(in).get("last_hidden_state");
    for (int call = 0; call < 2; call++) {
      double cos = minCosine(want, w.call(in).get("last_hidden_state"));
      System.out.printf("%s on %s: min token cosine %.7f%n", b.name(), device.info(), cos);
      assertTrue(cos >= minCos, b.name() + ": min cosine " + cos);
    }
    assertEquals(1, w.stats().variantsCompiled(), "one captured size used");
  }

  @Test
  void generatedGemmAtEveryPrecisionMatchesTheInterpreter() {
    check(CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32), 0.9999);
    check(CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.TF32), 0.9999);
    check(CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP16), 0.999);
    check(CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.BF16), 0.999);
  }

  @Test
  void cublasMatchesTheInterpreterWhereItLoads() {
    org.junit.jupiter.api.Assumptions.assumeTrue(CublasGemm.unavailableReason() == null,
        "cuBLAS does not load: " + CublasGemm.unavailableReason());
    check(CudaOptions.defaults().withGemm("cublas").withPrecision(GemmPrecision.FP32), 0.9999);
  }
}
