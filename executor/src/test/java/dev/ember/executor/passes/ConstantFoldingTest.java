package dev.ember.executor.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConstantFoldingTest {

  private static Tensor vec(float... v) {
    return Tensor.ofFloats(new int[] {v.length}, v);
  }

  @Test
  void foldsConstantChainsAndKeepsTheRest() {
    Graph g =
        TestModels.graph(
            TestModels.builder("chain")
                .input("x", DType.FLOAT, 3)
                .output("y", DType.FLOAT)
                .initializer("a", vec(1, 2, 3))
                .initializer("b", vec(10, 20, 30))
                .node("Add", List.of("a", "b"), List.of("ab"))
                .node("Add", List.of("ab", "ab"), List.of("ab2"))
                .node("Add", List.of("x", "ab2"), List.of("y"))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(Map.of("Add", 1), folded.opHistogram());
    assertArrayEquals(new float[] {22, 44, 66}, folded.initializers().get("ab2").rawFloats());
    assertFalse(folded.initializers().containsKey("a"), "initializers only folded nodes read go");
    assertFalse(folded.initializers().containsKey("ab"));
    Tensor x = vec(1, 1, 1);
    assertArrayEquals(run(g, Map.of("x", x)).rawFloats(), run(folded, Map.of("x", x)).rawFloats());
  }

  @Test
  void foldsAGraphOutputIntoAnInitializer() {
    Graph g =
        TestModels.graph(
            TestModels.builder("all_const")
                .input("x", DType.FLOAT, 3)
                .output("y", DType.FLOAT)
                .output("x_echo", DType.FLOAT)
                .initializer("a", vec(1, 2, 3))
                .node("Add", List.of("a", "a"), List.of("y"))
                .node("Add", List.of("x", "x"), List.of("x_echo"))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(1, folded.nodes().size());
    assertArrayEquals(new float[] {2, 4, 6}, run(folded, Map.of("x", vec(0, 0, 0))).rawFloats());
  }

  @Test
  void removesNodesNobodyReads() {
    Graph g =
        TestModels.graph(
            TestModels.builder("dead")
                .input("x", DType.FLOAT, 3)
                .output("y", DType.FLOAT)
                .node("Add", List.of("x", "x"), List.of("unused"))
                .node("Add", List.of("unused", "x"), List.of("unused2"))
                .node("Add", List.of("x", "x"), List.of("y"))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(1, folded.nodes().size());
    assertEquals(List.of("y"), folded.nodes().get(0).outputs());
    assertEquals(g.inputs(), folded.inputs(), "graph inputs are the interface and stay");
  }

  @Test
  void neverMaterialisesOutputsAboveTheCap() {
    Graph g =
        TestModels.graph(
            TestModels.builder("big")
                .input("x", DType.FLOAT, 3, 3)
                .output("y", DType.FLOAT)
                .initializer("a", Tensor.ofFloats(new int[] {3, 3}, new float[9]))
                .node("Add", List.of("a", "a"), List.of("a2"))
                .node("Add", List.of("x", "a2"), List.of("y"))
                .build());
    Graph folded = new ConstantFolding(OpRegistry.standard(), 4).apply(ShapeInference.run(g));
    assertEquals(2, folded.nodes().size(), "a 9-element output exceeds a cap of 4");
    assertEquals(1, ConstantFolding.run(g).nodes().size());
  }

  @Test
  void bigGeneratedTensorsStayLazyButConstantsAlwaysFold() {
    Graph g =
        TestModels.graph(
            TestModels.builder("lazy")
                .input("x", DType.FLOAT, 1)
                .output("big", DType.FLOAT)
                .output("small", DType.FLOAT)
                .output("k", DType.FLOAT)
                .initializer("big_shape", Tensor.int64Vector(2048, 1024))
                .initializer("small_shape", Tensor.int64Vector(4, 4))
                .node("ConstantOfShape", List.of("big_shape"), List.of("big0"))
                .node("Add", List.of("big0", "x"), List.of("big"))
                .node("ConstantOfShape", List.of("small_shape"), List.of("small0"))
                .node("Add", List.of("small0", "x"), List.of("small"))
                .node(
                    "Constant",
                    List.of(),
                    List.of("k0"),
                    TestModels.tensorAttr("value", TestModels.randomFloats(new int[] {3, 3}, 1)))
                .node("Add", List.of("k0", "x"), List.of("k"))
                .build());
    Graph folded =
        GraphVerifier.verify(
            new ConstantFolding(OpRegistry.standard(), 1L << 20).apply(ShapeInference.run(g)));
    assertEquals(Map.of("Add", 3, "ConstantOfShape", 1), folded.opHistogram());
    assertTrue(folded.initializers().containsKey("small0"));
    assertFalse(folded.initializers().containsKey("big0"), "2M elements exceed the 1M cap");
    Graph tinyCap = new ConstantFolding(OpRegistry.standard(), 4).apply(ShapeInference.run(g));
    assertTrue(tinyCap.initializers().containsKey("k0"), "a Constant moves, whatever its size");
    assertFalse(tinyCap.initializers().containsKey("small0"), "16 elements exceed a cap of 4");
    Tensor x = vec(1);
    assertArrayEquals(
        new Interpreter(g, OpRegistry.standard()).run(Map.of("x", x)).get("big").rawFloats(),
        new Interpreter(folded, OpRegistry.standard()).run(Map.of("x", x)).get("big").rawFloats());
  }

  @Test
  void foldsShapeOfStaticDimsRespectingStartAndEnd() {
    Graph g =
        TestModels.graph(
            TestModels.builder("shape")
                .input("x", DType.FLOAT, "batch", 3, 5)
                .output("all", DType.INT64)
                .output("tail", DType.INT64)
                .output("mid", DType.INT64)
                .output("empty", DType.INT64)
                .node("Shape", List.of("x"), List.of("all"))
                .node("Shape", List.of("x"), List.of("tail"), TestModels.intAttr("start", 1))
                .node(
                    "Shape",
                    List.of("x"),
                    List.of("mid"),
                    TestModels.intAttr("start", -2),
                    TestModels.intAttr("end", -1))
                .node(
                    "Shape",
                    List.of("x"),
                    List.of("empty"),
                    TestModels.intAttr("start", 2),
                    TestModels.intAttr("end", 1))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(Map.of("Shape", 1), folded.opHistogram(), "only the symbolic 'batch' stays");
    assertArrayEquals(new long[] {3, 5}, folded.initializers().get("tail").rawLongs());
    assertArrayEquals(new long[] {3}, folded.initializers().get("mid").rawLongs());
    assertArrayEquals(new long[0], folded.initializers().get("empty").rawLongs());
    assertNull(folded.initializers().get("all"));
  }

  @Test
  void foldsSizeOnlyWhenStatic() {
    Graph g =
        TestModels.graph(
            TestModels.builder("size")
                .input("x", DType.FLOAT, 4, 3)
                .input("s", DType.FLOAT, "n")
                .output("nx", DType.INT64)
                .output("ns", DType.INT64)
                .node("Size", List.of("x"), List.of("nx"))
                .node("Size", List.of("s"), List.of("ns"))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(12L, folded.initializers().get("nx").rawLongs()[0]);
    assertEquals(0, folded.initializers().get("nx").rank());
    assertTrue(folded.nodes().stream().anyMatch(n -> n.outputs().contains("ns")));
  }

  @Test
  void leavesNodesWhoseKernelFailsForTheInterpreter() {
    Graph g =
        TestModels.graph(
            TestModels.builder("bad_const")
                .input("x", DType.FLOAT, 3)
                .output("y", DType.FLOAT)
                .initializer("a", vec(1, 2, 3))
                .initializer("b", vec(1, 2))
                .node("Add", List.of("a", "b"), List.of("ab"))
                .node("Add", List.of("x", "ab"), List.of("y"))
                .build());
    Graph folded = GraphVerifier.verify(ConstantFolding.run(g));
    assertEquals(2, folded.nodes().size());
  }

  private static Tensor run(Graph g, Map<String, Tensor> feeds) {
    return new Interpreter(g, OpRegistry.standard()).run(feeds).values().iterator().next();
  }
}
