package dev.ember.executor.ops.math;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.TypeContext;
import dev.ember.executor.testing.NodeTestFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Type inference of every math op agrees with the output type that ONNX's own single-node tests
 * declare (element type, and shape where the test declares it fully).
 */
class NodeTestInferenceTest {

  @Test
  void inferredTypesMatchDeclaredOutputs() throws Exception {
    Map<String, OpDef> ops =
        MathOps.all().stream().collect(Collectors.toMap(o -> o.spec().opType(), o -> o));
    Path root = Path.of(getClass().getClassLoader().getResource("onnx-node-tests").toURI());
    List<Path> folders;
    try (Stream<Path> s = Files.list(root)) {
      folders = s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
    }
    int checked = 0;
    List<String> failures = new ArrayList<>();
    Map<String, String> excluded = NodeTestFolders.excludes();
    for (Path folder : folders) {
      if (excluded.containsKey(folder.getFileName().toString())) {
        continue; // listed with its reason (mostly element types Ember does not hold)
      }
      Graph g;
      try {
        g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
      } catch (RuntimeException e) {
        failures.add(folder.getFileName() + ": " + e);
        continue;
      }
      if (g.nodes().size() != 1 || !ops.containsKey(g.nodes().get(0).opType())) {
        continue;
      }
      Node node = g.nodes().get(0);
      List<TensorType> types = new ArrayList<>();
      List<Tensor> constants = new ArrayList<>();
      for (String in : node.inputs()) {
        types.add(in.isEmpty() ? null : g.typeOf(in));
        constants.add(in.isEmpty() ? null : g.initializers().get(in));
      }
      TensorType want = g.outputs().get(0).type();
      TensorType got;
      try {
        got = ops.get(node.opType()).inferTypes(new TypeContext(node, types, constants)).get(0);
      } catch (RuntimeException e) {
        failures.add(folder.getFileName() + ": " + e);
        continue;
      }
      boolean same =
          got != null
              && got.dtype() == want.dtype()
              && (!want.shape().isStatic() || want.shape().equals(got.shape()));
      if (!same) {
        failures.add(folder.getFileName() + ": inferred " + got + ", declared " + want);
      }
      checked++;
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(checked >= 80, "only " + checked + " node tests checked");
  }
}
