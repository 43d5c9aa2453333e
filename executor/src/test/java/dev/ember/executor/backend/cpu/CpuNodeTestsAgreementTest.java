package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Path agreement: every ONNX node test the interpreter runs, specialised to its inputs' shapes,
 * gives the interpreter's outputs through cpu-janino (rtol 1e-4, atol 1e-5), whether the nodes
 * went into generated kernels or fell back to reference kernels.
 */
class CpuNodeTestsAgreementTest {
  @Test
  void everyNodeTestAgreesWithTheInterpreter() throws Exception {
    CpuJaninoBackend backend = new CpuJaninoBackend();
    List<Path> folders = NodeTestFolders.all();
    int checked = 0;
    int generated = 0;
    List<String> problems = new ArrayList<>();
    Map<String, Integer> fallbackOps = new TreeMap<>();
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
        continue; // the interpreter does not run it (excluded); nothing to agree with
      }
      try {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        feeds.forEach((k, v) -> shapes.put(k, v.shape()));
        Graph s = Specializer.specialize(g, shapes);
        VariantKey key = new VariantKey(name, CpuJaninoBackend.NAME, Map.of(),
            Map.of("cpu.gemm", "java"));
        CompiledVariant v = backend.compile(s, key);
        CpuVariant cv = (CpuVariant) v;
        if (cv.lowered().fallbacks().isEmpty()) {
          generated++;
        }
        cv.lowered().fallbacks().keySet().forEach(n -> s.nodes().stream()
            .filter(x -> x.name().equals(n)).forEach(x -> fallbackOps.merge(x.opType(), 1,
                Integer::sum)));
        Map<String, Tensor> got = v.run(feeds);
        for (Map.Entry<String, Tensor> e : want.entrySet()) {
          String m = Tolerance.mismatch(e.getValue(), got.get(e.getKey()), 1e-4, 1e-5);
          if (m != null) {
            problems.add(name + " output '" + e.getKey() + "': " + m);
          }
        }
        cv.methodSizes().forEach((method, bytes) -> {
          if (bytes >= JaninoCompiler.JIT_METHOD_LIMIT) {
            problems.add(name + ": method " + method + " has " + bytes + " bytes of bytecode");
          }
        });
        checked++;
      } catch (RuntimeException e) {
        problems.add(name + ": " + e);
      }
    }
    System.out.printf("cpu-janino node tests: %d checked (%d fully generated), %d problems; "
        + "fallback ops %s%n", checked, generated, problems.size(), fallbackOps);
    problems.forEach(p -> System.out.println("  " + p));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(checked > 150, "only " + checked + " node tests ran");
  }
}
