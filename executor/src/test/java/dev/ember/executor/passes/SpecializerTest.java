package dev.ember.executor.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecializerTest {
  private final List<String> passesRun = new ArrayList<>();
  private final Specializer specializer =
      new Specializer(
          OpRegistry.standard(),
          (name, g) -> {
            GraphVerifier.verify(g);
            passesRun.add(name);
          });

  private static Graph symbolicGraph() {
    return TestModels.graph(
        TestModels.builder("sym")
            .input("x", DType.FLOAT, "batch", 3)
            .input("z", DType.FLOAT, "batch", 1)
            .output("y", DType.FLOAT, "batch", 3)
            .initializer("c", Tensor.ofFloats(new int[] {3}, new float[] {1, 2, 3}))
            .initializer("d", Tensor.ofFloats(new int[] {3}, new float[] {4, 5, 6}))
            .node("Add", List.of("c", "d"), List.of("cd"))
            .node("Add", List.of("x", "cd"), List.of("xc"))
            .node("Add", List.of("xc", "z"), List.of("y"))
            .build());
  }

  @Test
  void symbolicShapesStayValidAndRunTheSame() {
    Graph g = symbolicGraph();
    Graph s = specializer.simplify(g);
    assertTrue(passesRun.containsAll(List.of("shape-inference", "constant-folding")));
    assertEquals(g.inputs(), s.inputs(), "no input type changes without a binding");
    assertEquals(Map.of("Add", 2), s.opHistogram());
    TensorType batchBy3 =
        new TensorType(DType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.fixed(3))));
    assertEquals(batchBy3, s.valueTypes().get("xc"));
    assertEquals(batchBy3, s.outputs().get(0).type());
    Map<String, Tensor> feeds =
        Map.of(
            "x", TestModels.randomFloats(new int[] {5, 3}, 1),
            "z", TestModels.randomFloats(new int[] {5, 1}, 2));
    assertArrayEquals(run(g, feeds).rawFloats(), run(s, feeds).rawFloats());
  }

  @Test
  void inputShapesBindSymbolsEverywhere() {
    Graph g = symbolicGraph();
    Graph s = specializer.withInputShapes(g, Map.of("x", new int[] {4, 3}));
    assertEquals(TensorType.of(DType.FLOAT, 4, 3), s.inputs().get(0).type());
    assertEquals(TensorType.of(DType.FLOAT, 4, 1), s.inputs().get(1).type(), "z shares batch");
    assertEquals(TensorType.of(DType.FLOAT, 4, 3), s.outputs().get(0).type());
    assertEquals(TensorType.of(DType.FLOAT, 4, 3), s.valueTypes().get("xc"));
    Map<String, Tensor> feeds =
        Map.of(
            "x", TestModels.randomFloats(new int[] {4, 3}, 3),
            "z", TestModels.randomFloats(new int[] {4, 1}, 4));
    assertArrayEquals(run(g, feeds).rawFloats(), run(s, feeds).rawFloats());
    assertEquals(s.inputs(), Specializer.specializeDims(g, Map.of("batch", 4L)).inputs());
  }

  @Test
  void rejectsShapesThatContradictTheGraph() {
    Graph g = symbolicGraph();
    EmberException unknown =
        assertThrows(
            EmberException.class,
            () -> Specializer.specialize(g, Map.of("nope", new int[] {1, 3})));
    assertEquals(ErrorCode.BAD_INPUT, unknown.code());
    assertTrue(unknown.getMessage().contains("x float[batch, 3]"), unknown.getMessage());
    EmberException fixed =
        assertThrows(
            EmberException.class, () -> Specializer.specialize(g, Map.of("x", new int[] {2, 4})));
    assertTrue(fixed.getMessage().contains("axis 1 is fixed to 3"), fixed.getMessage());
    EmberException rank =
        assertThrows(
            EmberException.class, () -> Specializer.specialize(g, Map.of("x", new int[] {2})));
    assertTrue(rank.getMessage().contains("rank 1 != 2"), rank.getMessage());
    EmberException clash =
        assertThrows(
            EmberException.class,
            () -> Specializer.specialize(g, Map.of("x", new int[] {2, 3}, "z", new int[] {5, 1})));
    assertTrue(clash.getMessage().contains("'batch' is already bound"), clash.getMessage());
  }

  private static Tensor run(Graph g, Map<String, Tensor> feeds) {
    return new Interpreter(g, OpRegistry.standard()).run(feeds).get("y");
  }
}
