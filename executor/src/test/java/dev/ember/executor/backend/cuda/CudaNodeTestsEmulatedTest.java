package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
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
 * Every ONNX node test that the CUDA backend takes runs on the host emulator of the GPU and gives
 * the interpreter's outputs (rtol 1e-4, atol 1e-5); the others are refused with UNSUPPORTED_OP
 * naming the node, never a wrong answer.
 */
class CudaNodeTestsEmulatedTest {
  @Test
  void everyNodeTestTheBackendTakesAgreesWithTheInterpreter() throws Exception {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    Path root = Path.of(getClass().getClassLoader().getResource("onnx-node-tests").toURI());
    List<Path> folders;
    try (Stream<Path> s = Files.list(root)) {
      folders = s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
    }
    int checked = 0;
    Map<String, Integer> refused = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    try (EmulatedDriver driver = new EmulatedDriver()) {
      CudaDevice device = CudaDevice.on(driver, new HostKernelCompiler());
      CudaBackend backend = new CudaBackend(device, CudaOptions.defaults().withGemm("generated")
          .withPrecision(GemmPrecision.FP32).withGraphs(false));
      for (Path folder : folders) {
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
          continue; // excluded from the interpreter's conformance run
        }
        Map<String, int[]> shapes = new LinkedHashMap<>();
        feeds.forEach((k, v) -> shapes.put(k, v.shape()));
        Graph s;
        try {
          s = Specializer.specialize(g, shapes);
        } catch (RuntimeException e) {
          continue;
        }
        Map<String, Tensor> got;
        try {
          got = backend.compile(s, new VariantKey(name, backend.name(), Map.of(), Map.of()))
              .run(feeds);
        } catch (EmberException e) {
          if (e.code() == ErrorCode.UNSUPPORTED_OP) {
            refused.merge(g.nodes().get(g.nodes().size() - 1).opType(), 1, Integer::sum);
            continue;
          }
          problems.add(name + ": " + e.getMessage());
          continue;
        }
        for (Map.Entry<String, Tensor> e : want.entrySet()) {
          String m = Tolerance.mismatch(e.getValue(), got.get(e.getKey()), 1e-4, 1e-5);
          if (m != null) {
            problems.add(name + " output '" + e.getKey() + "': " + m);
          }
        }
        checked++;
      }
    }
    System.out.printf("cuda node tests on the host emulator: %d agree, %d problems; refused by"
        + " op %s%n", checked, problems.size(), refused);
    problems.forEach(p -> System.out.println("  " + p));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(checked > 50, "only " + checked + " node tests ran");
  }
}
