package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures on this machine's CPU the two host-side rates {@link HostStepCost}'s constants rest on:
 * one task's GEMM on cpu-janino (flops per second) and the host's share of a host step's copy
 * (tensor to device bytes and back, bytes per second). The bus and the stream synchronisation need
 * a GPU and are not measured here. Not a test: run its {@code main}.
 */
public final class HostStepCostProbe {
  private HostStepCostProbe() {}

  public static void main(String[] args) {
    int rows = 64;
    int k = 512;
    int n = 512;
    Graph g = HostStepModels.at(matMul(k, n), rows, k);
    CpuJaninoBackend cpu = new CpuJaninoBackend();
    CompiledVariant v = cpu.compile(g, new VariantKey("probe", cpu.name(), Map.of(), Map.of()));
    Map<String, Tensor> in = HostStepModels.feeds(rows, k, 1);
    double flops = 2.0 * rows * k * n;
    double gemmSeconds = best(() -> v.run(in), 50);
    byte[] tuning = v.artifacts().get("tuning.json");
    System.out.printf(Locale.ROOT, "cpu-janino MatMul [%d,%d]x[%d,%d]: %.1f GFLOP/s (best of 50"
        + " runs); tuning %s%n", rows, k, k, n, flops / gemmSeconds / 1e9,
        tuning == null ? "-" : new String(tuning, StandardCharsets.UTF_8).replace('\n', ' '));
    int wide = 4096;
    for (String middle : List.of("Sigmoid", "Neg")) {
      Graph ew = HostStepModels.at(elementwise(wide, middle), 256, wide);
      CompiledVariant e = cpu.compile(ew, new VariantKey("ew" + middle, cpu.name(), Map.of(),
          Map.of()));
      Map<String, Tensor> ein = HostStepModels.feeds(256, wide, 4);
      double elems = 3.0 * 256 * wide; // three nodes in one fused loop
      double ewSeconds = best(() -> e.run(ein), 50);
      System.out.printf(Locale.ROOT, "cpu-janino fused Relu, %s, Mul over [256,%d]: %.2f G"
          + " node-elements/s, %.1f GEMM flops per node-element%n", middle, wide,
          elems / ewSeconds / 1e9, (flops / gemmSeconds) / (elems / ewSeconds));
    }
    Tensor t = TestModels.randomFloats(new int[] {rows, n}, 2);
    ByteBuffer b = DeviceData.direct(DeviceData.deviceBytes(t));
    double copySeconds = best(() -> {
      DeviceData.toDevice(t, b);
      DeviceData.fromDevice(b.clear(), DType.FLOAT, t.shape());
    }, 200);
    double bytes = 2.0 * DeviceData.deviceBytes(t);
    System.out.printf(Locale.ROOT, "host side of a host step's copies (to device form and"
        + " back), %d B each way: %.2f GB/s (best of 200)%n", DeviceData.deviceBytes(t),
        bytes / copySeconds / 1e9);
    System.out.printf(Locale.ROOT, "flops the CPU does while the host converts one byte: %.1f%n",
        (flops / gemmSeconds) / (bytes / copySeconds));
  }

  private static Graph matMul(int k, int n) {
    return TestModels.graph(TestModels.builder("probe")
        .input("x", DType.FLOAT, "batch", k)
        .output("y", DType.FLOAT, "batch", n)
        .initializer("w", TestModels.randomFloats(new int[] {k, n}, 3))
        .node("MatMul", List.of("x", "w"), List.of("y"))
        .build());
  }

  private static Graph elementwise(int width, String middle) {
    return TestModels.graph(TestModels.builder("probe_ew")
        .input("x", DType.FLOAT, "batch", width)
        .output("y", DType.FLOAT, "batch", width)
        .node("Relu", List.of("x"), List.of("r"))
        .node(middle, List.of("r"), List.of("s"))
        .node("Mul", List.of("s", "x"), List.of("y"))
        .build());
  }

  private static double best(Runnable r, int runs) {
    for (int i = 0; i < 5; i++) {
      r.run();
    }
    long best = Long.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, System.nanoTime() - t0);
    }
    return best / 1e9;
  }
}
