package dev.ember.executor.lower;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Each op's declared {@link OpDef#compiledForm()} (which docs/supported-ops.md prints) is what the
 * lowering does with it on the ONNX node tests: an op declared REFERENCE never gets generated
 * code, every other op gets its declared kind of kernel whenever it is not a fallback, and at
 * least once when a node test (or the row-kernel graph here) uses it.
 */
class CompiledFormTest {
  @Test
  void declaredFormsMatchTheLoweringOfEveryNodeTest() throws Exception {
    Map<String, String> excluded = NodeTestFolders.excludes();
    Map<String, Set<String>> generatedIn = new TreeMap<>();
    Set<String> seen = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    for (Path folder : NodeTestFolders.all()) {
      String name = folder.getFileName().toString();
      if (excluded.containsKey(name)) {
        continue; // listed with its reason; NodeTestsOnEveryBackendTest fails when one passes
      }
      for (Kernel k : lower(folder).kernels()) {
        for (Node n : k.nodes()) {
          OpDef op = OpRegistry.standard().lookup(n);
          seen.add(op.spec().opType());
          if (k instanceof Kernel.Fallback) {
            continue;
          }
          generatedIn.computeIfAbsent(op.spec().opType(), t -> new TreeSet<>()).add(name);
          if (!allowed(k).contains(op.compiledForm())) {
            problems.add(name + ": " + n.opType() + " is declared " + op.compiledForm()
                + " but lowers into " + k.label());
          }
        }
      }
    }
    // Node tests feed axes and scales as inputs, which the row kernels need as constants.
    Map<String, int[]> shapes = Map.of("x", new int[] {2, 4}, "c", new int[] {2, 4});
    for (Kernel k : Lowering.lower(Specializer.specialize(
        TestModels.graph(rowKernelsAndWhere()), shapes)).kernels()) {
      for (Node n : k.nodes()) {
        if (!(k instanceof Kernel.Fallback)) {
          generatedIn.computeIfAbsent(n.opType(), t -> new TreeSet<>()).add("rowKernelsAndWhere");
        }
      }
    }
    for (OpDef op : OpRegistry.standard().all()) {
      String type = op.spec().opType();
      boolean generated = generatedIn.containsKey(type);
      if (op.compiledForm() == CompiledForm.REFERENCE && generated) {
        problems.add(type + " is declared REFERENCE but has generated code in "
            + generatedIn.get(type));
      } else if (op.compiledForm() != CompiledForm.REFERENCE && seen.contains(type)
          && !generated) {
        problems.add(type + " is declared " + op.compiledForm() + " but always falls back");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(seen.size() > 40, "only " + seen.size() + " op types seen: " + seen);
  }

  /** LayerNormalization, ReduceMean, ReduceSum and Where in the forms the lowering generates. */
  private static ModelProto rowKernelsAndWhere() {
    return TestModels.builder("row_kernels")
        .input("x", DType.FLOAT, 2, 4)
        .input("c", DType.BOOL, 2, 4)
        .output("ln", DType.FLOAT, 2, 4)
        .output("mean", DType.FLOAT, 2, 1)
        .output("sum", DType.FLOAT, 2, 1)
        .output("w", DType.FLOAT, 2, 4)
        .initializer("scale", Tensor.ofFloats(new int[] {4}, new float[] {1f, 2f, 3f, 4f}))
        .initializer("last", Tensor.int64Vector(-1))
        .node("LayerNormalization", List.of("x", "scale"), List.of("ln"))
        .node("ReduceMean", List.of("x"), List.of("mean"), TestModels.intsAttr("axes", -1))
        .node("ReduceSum", List.of("x", "last"), List.of("sum"))
        .node("Where", List.of("c", "x", "ln"), List.of("w"))
        .build();
  }

  /** The forms an op may declare when one of its nodes lowers into {@code k}. */
  private static Set<CompiledForm> allowed(Kernel k) {
    if (k instanceof Kernel.Elementwise) {
      return EnumSet.of(CompiledForm.FUSED_LOOP);
    }
    if (k instanceof Kernel.View || k instanceof Kernel.ShapeOf) {
      return EnumSet.of(CompiledForm.VIEW, CompiledForm.FUSED_LOOP); // Identity is both
    }
    if (k instanceof Kernel.Row || k instanceof Kernel.Attention) {
      // Their prologues and decomposed patterns hold fused ops too.
      return EnumSet.of(CompiledForm.OWN_KERNEL, CompiledForm.FUSED_LOOP);
    }
    return EnumSet.of(CompiledForm.OWN_KERNEL);
  }

  private static LoweredGraph lower(Path folder) throws Exception {
    Graph g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
    List<TensorFiles.NamedTensor> ins =
        TensorFiles.readNumbered(folder.resolve("test_data_set_0"), "input");
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (int i = 0; i < ins.size() && i < g.inputs().size(); i++) {
      shapes.put(g.inputs().get(i).name(), ins.get(i).tensor().shape());
    }
    return Lowering.lower(Specializer.specialize(g, shapes));
  }
}
