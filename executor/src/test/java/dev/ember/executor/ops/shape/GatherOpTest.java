package dev.ember.executor.ops.shape;

import static dev.ember.executor.ops.shape.Ops.infer;
import static dev.ember.executor.ops.shape.Ops.ints;
import static dev.ember.executor.ops.shape.Ops.iota;
import static dev.ember.executor.ops.shape.Ops.node;
import static dev.ember.executor.ops.shape.Ops.run;
import static dev.ember.executor.ops.shape.Ops.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatherOpTest {
  @Test
  void embeddingLookupCopiesRows() {
    Node n = node("Gather", 13, 2);
    Tensor table = iota(5, 3);
    Tensor ids = Tensor.ofLongs(DType.INT64, new int[] {2, 2}, new long[] {4, 0, -1, 2});
    Tensor y = run(n, table, ids);
    assertArrayEquals(new int[] {2, 2, 3}, y.shape());
    assertArrayEquals(new float[] {12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8}, y.rawFloats());
  }

  @Test
  void innerAxisWithScalarIndex() {
    Node n = node("Gather", 13, 2, "axis", -1L);
    Tensor idx = Tensor.ofLongs(DType.INT32, new int[0], new long[] {1});
    Tensor y = run(n, iota(2, 3), idx);
    assertArrayEquals(new int[] {2}, y.shape());
    assertArrayEquals(new float[] {1, 4}, y.rawFloats());
  }

  @Test
  void inferenceSplicesIndexDims() {
    Node n = node("Gather", 13, 2, "axis", 1L);
    assertEquals(
        type(DType.FLOAT, "batch", "b2", "s2", 384),
        infer(n, List.of(type(DType.FLOAT, "batch", 30, 384), type(DType.INT64, "b2", "s2"))));
  }

  @Test
  void indexOutOfRangeNamesIndexAxisAndSize() {
    Node n = node("Gather", 13, 2);
    OpException e = assertThrows(OpException.class, () -> run(n, iota(3, 2), ints(1, 3)));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("index 3"), e.getMessage());
    assertTrue(e.getMessage().contains("axis 0"), e.getMessage());
    assertTrue(e.getMessage().contains("size 3"), e.getMessage());
    assertThrows(OpException.class, () -> run(n, iota(3, 2), ints(-4)));
  }

  @Test
  void interpreterReportsTheNode() {
    Node n =
        new Node(
            "embed",
            "Gather",
            "",
            13,
            List.of("table", "ids"),
            List.of("y"),
            dev.ember.executor.ir.Attributes.empty());
    Graph g =
        new Graph(
            "g",
            List.of(n),
            List.of(new ValueInfo("ids", type(DType.INT64, 2))),
            List.of(new ValueInfo("y", type(DType.FLOAT, 2, 2))),
            Map.of("table", iota(3, 2)),
            Map.of(),
            Map.of("", 13));
    Interpreter interp = new Interpreter(g, OpRegistry.standard());
    EmberException e =
        assertThrows(EmberException.class, () -> interp.run(Map.of("ids", ints(0, 7))));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("'embed'"), e.getMessage());
    assertTrue(e.getMessage().contains("index 7"), e.getMessage());
  }
}
