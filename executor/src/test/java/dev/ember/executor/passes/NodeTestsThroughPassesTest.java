package dev.ember.executor.passes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every ONNX node test the interpreter passes, specialised to its test inputs' shapes: the inferred
 * output types must agree with what the kernels produce (element type; rank and sizes wherever
 * inference claims them), and the simplified graph must still reproduce the expected outputs. Wrong
 * inference here would make folding change results on real models.
 */
class NodeTestsThroughPassesTest {
  private final Specializer specializer =
      new Specializer(OpRegistry.standard(), (name, g) -> GraphVerifier.verify(g));

  @Test
  void inferenceAndFoldingAgreeWithTheKernels() throws Exception {
    Set<String> excluded = NodeTestFolders.excludes().keySet();
    List<Path> folders = NodeTestFolders.all();
    int checked = 0;
    List<String> problems = new ArrayList<>();
    for (Path folder : folders) {
      String name = folder.getFileName().toString();
      if (excluded.contains(name)) {
        continue;
      }
      Path data = folder.resolve("test_data_set_0");
      Graph g;
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      List<TensorFiles.NamedTensor> expected;
      try {
        g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
        List<TensorFiles.NamedTensor> ins = TensorFiles.readNumbered(data, "input");
        for (int i = 0; i < ins.size() && i < g.inputs().size(); i++) {
          feeds.put(g.inputs().get(i).name(), ins.get(i).tensor());
        }
        expected = TensorFiles.readNumbered(data, "output");
        new Interpreter(g, OpRegistry.standard()).run(feeds);
      } catch (RuntimeException e) {
        problems.add(name + ": does not run on the interpreter: " + e);
        continue;
      }
      Map<String, int[]> shapes = new LinkedHashMap<>();
      feeds.forEach((k, v) -> shapes.put(k, v.shape()));
      try {
        check(
            name + " (static)", specializer.withInputShapes(g, shapes), feeds, expected, problems);
        check(name + " (symbolic)", specializer.simplify(symbolic(g)), feeds, expected, problems);
        checked++;
      } catch (RuntimeException e) {
        problems.add(name + ": " + e);
      }
    }
    System.out.printf(
        "Node tests through passes: %d checked, %d problems%n", checked, problems.size());
    problems.forEach(p -> System.out.println("  " + p));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(checked > 0, "no node test was checked");
  }

  private static void check(
      String what,
      Graph s,
      Map<String, Tensor> feeds,
      List<TensorFiles.NamedTensor> expected,
      List<String> problems) {
    Map<String, Tensor> got = new Interpreter(s, OpRegistry.standard()).run(feeds);
    for (int k = 0; k < expected.size(); k++) {
      ValueInfo out = s.outputs().get(k);
      Tensor want = expected.get(k).tensor();
      String m = Tolerance.mismatch(want, got.get(out.name()));
      if (m != null) {
        problems.add(what + ": simplified graph output '" + out.name() + "': " + m);
      }
      String t = typeProblem(out.type(), want);
      if (t != null) {
        problems.add(what + ": inferred type of '" + out.name() + "' " + t);
      }
    }
  }

  /** The graph with every input dimension a distinct symbol, as a dynamic export declares. */
  private static Graph symbolic(Graph g) {
    List<ValueInfo> inputs = new ArrayList<>();
    for (int i = 0; i < g.inputs().size(); i++) {
      ValueInfo in = g.inputs().get(i);
      Shape s = in.type().shape();
      if (s.rankKnown()) {
        List<Dim> dims = new ArrayList<>();
        for (int a = 0; a < s.rank(); a++) {
          dims.add(Dim.symbolic("in" + i + "_" + a));
        }
        s = Shape.of(dims);
      }
      inputs.add(new ValueInfo(in.name(), new TensorType(in.type().dtype(), s)));
    }
    return g.withInputs(inputs);
  }

  /** Null when the claimed type fits the actual tensor. */
  private static String typeProblem(TensorType claimed, Tensor actual) {
    if (claimed.dtype() != actual.dtype()) {
      return "has element type " + claimed.dtype() + " but the kernel gives " + actual.dtype();
    }
    Shape s = claimed.shape();
    if (!s.rankKnown()) {
      return null;
    }
    if (s.rank() != actual.rank()) {
      return claimed + " has the wrong rank; the kernel gives " + actual;
    }
    for (int i = 0; i < s.rank(); i++) {
      if (s.dim(i).isFixed() && s.dim(i).size() != actual.dim(i)) {
        return claimed + " disagrees with the kernel's " + actual + " on axis " + i;
      }
    }
    return null;
  }
}
