package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Host steps on a real GPU (skipped without one): the mixed graph ({@link HostStepModels#mixed})
 * at sizes the cost rule sends to the GPU runs there with its host steps and gives the
 * interpreter's outputs. It also prints, side by side, milliseconds per call of that variant and of
 * the whole graph on cpu-janino, the two choices the rule weighs (printed, never asserted).
 */
class CudaHostStepsGpuTest {
  @Test
  void hostStepsOnTheDeviceMatchTheInterpreterAndAreTimedAgainstTheCpu() {
    GpuAssumptions.assumeGpu();
    CudaBackend cuda = new CudaBackend(CudaDevice.open(0),
        CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32));
    CpuJaninoBackend cpu = new CpuJaninoBackend();
    CudaAutoBackend auto = new CudaAutoBackend(cuda, cpu);
    for (int rows : new int[] {64, 512}) {
      Graph g = HostStepModels.at(HostStepModels.mixed(512, 512), rows, 512);
      CudaPlacement p = CudaPlacement.decide(g, null);
      CompiledVariant onGpu = auto.compile(g, new VariantKey("gpu" + rows, auto.name(), Map.of(),
          Map.of()));
      assertInstanceOf(CudaVariant.class, onGpu, p.describe());
      CompiledVariant onCpu = cpu.compile(g, new VariantKey("cpu" + rows, cpu.name(), Map.of(),
          Map.of()));
      Map<String, Tensor> in = HostStepModels.feeds(rows, 512, rows);
      Map<String, Tensor> want = new Interpreter(g, OpRegistry.standard()).run(in);
      Map<String, Tensor> got = onGpu.run(in);
      want.forEach((k, t) -> assertNull(Tolerance.mismatch(t, got.get(k), 1e-4, 1e-4), k));
      double gpuMs = millis(onGpu, in);
      double cpuMs = millis(onCpu, in);
      System.out.printf(Locale.ROOT, "mixed [%d,512] on %s: GPU with host steps %.3f ms, whole"
          + " graph on cpu-janino %.3f ms (ratio %.2f); rule: %s%n", rows, cuda.device().info(),
          gpuMs, cpuMs, cpuMs / gpuMs, p.cost().why());
    }
  }

  private static double millis(CompiledVariant v, Map<String, Tensor> in) {
    for (int i = 0; i < 5; i++) {
      v.run(in);
    }
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 30; i++) {
      long t0 = System.nanoTime();
      v.run(in);
      best = Math.min(best, System.nanoTime() - t0);
    }
    return best / 1e6;
  }
}
