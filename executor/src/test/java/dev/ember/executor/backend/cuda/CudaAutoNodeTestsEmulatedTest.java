package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Under {@code spark.ember.device=auto} no model that runs on the CPU fails for want of a CUDA
 * kernel: every ONNX node test the interpreter runs compiles through {@link CudaAutoBackend} on the
 * host emulator of the GPU (on the GPU, the GPU with host steps, or the CPU) and gives the
 * interpreter's outputs. With single nodes the cost rule sends every host op to the CPU, so the
 * host steps themselves are forced too: every node test whose op lacks a CUDA kernel also runs as a
 * lone host step on the emulated device.
 */
class CudaAutoNodeTestsEmulatedTest {
  @Test
  void everyNodeTestTheInterpreterRunsAgreesUnderAuto() throws Exception {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    Map<String, Integer> placed = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    Map<String, String> notRun = new TreeMap<>();
    int hostStepRuns = 0;
    try (EmulatedDriver driver = new EmulatedDriver()) {
      // The SIMT kernel, untuned: the tuner's emulated timing of tensor-core routes takes minutes.
      CudaBackend cuda = new CudaBackend(CudaDevice.on(driver, new HostKernelCompiler()),
          CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
              .withGraphs(false).withGemmTuning(false));
      CudaAutoBackend auto = new CudaAutoBackend(cuda, new CpuJaninoBackend());
      for (Path folder : folders()) {
        String name = folder.getFileName().toString();
        Graph g;
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Map<String, Tensor> want;
        try {
          g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
          List<TensorFiles.NamedTensor> ins =
              TensorFiles.readNumbered(folder.resolve("test_data_set_0"), "input");
          for (int i = 0; i < ins.size() && i < g.inputs().size(); i++) {
            feeds.put(g.inputs().get(i).name(), ins.get(i).tensor());
          }
          want = new Interpreter(g, OpRegistry.standard()).run(feeds);
        } catch (RuntimeException e) {
          // No reference to compare with: listed below with the interpreter's reason (its own
          // node-test suite says which of these it refuses and why).
          notRun.put(name, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
          continue;
        }
        Map<String, int[]> shapes = new LinkedHashMap<>();
        feeds.forEach((k, v) -> shapes.put(k, v.shape()));
        try {
          Graph s = Specializer.specialize(g, shapes);
          CudaPlacement p = CudaPlacement.decide(s, null);
          placed.merge(p.where().name(), 1, Integer::sum);
          check(name + " (auto, " + p.where() + ")", want,
              auto.compile(s, new VariantKey(name, auto.name(), Map.of(), Map.of())).run(feeds),
              problems);
          CudaProgram forced = hostStepsOnly(s);
          if (forced != null) {
            check(name + " (host steps)", want, cuda.compile(forced,
                new VariantKey(name, cuda.name(), Map.of(), Map.of())).run(feeds), problems);
            hostStepRuns++;
          }
        } catch (RuntimeException e) {
          problems.add(name + ": " + e);
        }
      }
    }
    System.out.printf("auto on the host emulator: placements %s, %d node tests also run as host"
        + " steps, %d problems%n", placed, hostStepRuns, problems.size());
    problems.forEach(p -> System.out.println("  " + p));
    System.out.printf("%d node tests not run: the interpreter gives no reference for them%n",
        notRun.size());
    notRun.forEach((name, why) -> System.out.println("  " + name + ": " + why));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(placed.values().stream().mapToInt(i -> i).sum() > 100, placed.toString());
    assertTrue(hostStepRuns > 20, "only " + hostStepRuns + " node tests ran as host steps");
  }

  /** The program with host steps, when {@code g} has some and the device can hold its values. */
  private static CudaProgram hostStepsOnly(Graph g) {
    try {
      CudaProgram p = new CudaCodegen(CudaBackend.lower(g), true).generate();
      return p.hasHostSteps() ? p : null;
    } catch (RuntimeException e) {
      return null; // shapes or types the device cannot take: auto ran it on the CPU above
    }
  }

  private static void check(String what, Map<String, Tensor> want, Map<String, Tensor> got,
      List<String> problems) {
    for (Map.Entry<String, Tensor> e : want.entrySet()) {
      String m = Tolerance.mismatch(e.getValue(), got.get(e.getKey()), 1e-4, 1e-5);
      if (m != null) {
        problems.add(what + " output '" + e.getKey() + "': " + m);
      }
    }
  }

  private static List<Path> folders() throws Exception {
    List<Path> out = new ArrayList<>();
    for (String dir : List.of("onnx-node-tests", "onnx-node-tests-wave2")) {
      Path root = Path.of(CudaAutoNodeTestsEmulatedTest.class.getClassLoader().getResource(dir)
          .toURI());
      try (Stream<Path> s = Files.list(root)) {
        out.addAll(s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList());
      }
    }
    return out;
  }
}
