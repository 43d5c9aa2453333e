package dev.ember.executor.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeInferenceTest {

  @Test
  void recordsBroadcastTypesWithSymbolicDims() {
    Graph g =
        TestModels.graph(
            TestModels.builder("sym")
                .input("x", DType.FLOAT, "batch", 3)
                .output("z", DType.FLOAT)
                .initializer("c", Tensor.ofFloats(new int[] {3}, new float[] {1, 2, 3}))
                .node("Add", List.of("x", "c"), List.of("y"))
                .node("Add", List.of("y", "y"), List.of("z"))
                .build());
    Graph typed = GraphVerifier.verify(ShapeInference.run(g));
    TensorType want =
        new TensorType(DType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.fixed(3))));
    assertEquals(want, typed.valueTypes().get("y"));
    assertEquals(want, typed.valueTypes().get("z"));
    assertEquals(want, typed.outputs().get(0).type(), "graph output types are refined");
    assertEquals(g.nodes(), typed.nodes());
  }

  @Test
  void unsupportedOpLeavesOutputsUnknownWithoutThrowing() {
    Graph g =
        TestModels.graph(
            TestModels.builder("unknown_op")
                .input("x", DType.FLOAT, 2, 3)
                .output("z", DType.FLOAT)
                .node("NoSuchOp", List.of("x"), List.of("y"))
                .node("Add", List.of("y", "x"), List.of("z"))
                .build());
    Graph typed = GraphVerifier.verify(ShapeInference.run(g));
    assertNull(typed.valueTypes().get("y"));
    assertNull(typed.valueTypes().get("z"), "Add over an unknown input stays unknown");
  }

  @Test
  void definiteContradictionNamesTheNode() {
    Graph g =
        TestModels.graph(
            TestModels.builder("bad_bcast")
                .input("x", DType.FLOAT, 2, 3)
                .output("y", DType.FLOAT)
                .initializer("c", Tensor.ofFloats(new int[] {4}, new float[4]))
                .namedNode("the_add", "Add", List.of("x", "c"), List.of("y"))
                .build());
    EmberException e = assertThrows(EmberException.class, () -> ShapeInference.run(g));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("'the_add' (Add, opset 17)"), e.getMessage());
    assertTrue(e.getMessage().contains("float[2, 3]"), e.getMessage());
  }

  @Test
  void keepsMoreSpecificRecordedTypes() {
    TensorType declared =
        new TensorType(DType.FLOAT, Shape.of(List.of(Dim.fixed(2), Dim.symbolic("n"))));
    TensorType inferred =
        new TensorType(DType.FLOAT, Shape.of(List.of(Dim.symbolic("?a#0.0"), Dim.fixed(5))));
    assertEquals(TensorType.of(DType.FLOAT, 2, 5), TypeMerge.merge(declared, inferred));
    assertEquals(
        declared, TypeMerge.merge(declared, new TensorType(DType.FLOAT, Shape.unknownRank())));
    assertEquals(inferred, TypeMerge.merge(null, inferred));
  }
}
