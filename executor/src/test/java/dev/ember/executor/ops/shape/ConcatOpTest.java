package dev.ember.executor.ops.shape;

import static dev.ember.executor.ops.shape.Ops.infer;
import static dev.ember.executor.ops.shape.Ops.iota;
import static dev.ember.executor.ops.shape.Ops.node;
import static dev.ember.executor.ops.shape.Ops.run;
import static dev.ember.executor.ops.shape.Ops.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcatOpTest {
  @Test
  void fixedDimsAlongAxisAdd() {
    Node n = node("Concat", 13, 2, "axis", -1L);
    assertEquals(
        type(DType.FLOAT, "batch", "seq", 8),
        infer(
            n,
            List.of(type(DType.FLOAT, "batch", "seq", 3), type(DType.FLOAT, "batch", "seq", 5))));
  }

  @Test
  void symbolicDimAlongAxisBecomesFresh() {
    Node n = node("Concat", 13, 2, "axis", 1L);
    TensorType out =
        infer(
            n, List.of(type(DType.FLOAT, "batch", "past", 64), type(DType.FLOAT, "batch", 1, 64)));
    assertEquals(type(DType.FLOAT, "batch", 1, 64).shape().dim(0), out.shape().dim(0));
    assertFalse(out.shape().dim(1).isFixed());
    assertEquals(64, out.shape().dim(2).size());
  }

  @Test
  void otherDimsPreferFixedAndMustAgree() {
    Node n = node("Concat", 13, 2, "axis", 0L);
    assertEquals(
        type(DType.INT64, 3, 4),
        infer(n, List.of(type(DType.INT64, 1, "w"), type(DType.INT64, 2, 4))));
    assertThrows(
        OpException.class,
        () -> infer(n, List.of(type(DType.INT64, 1, 3), type(DType.INT64, 2, 4))));
  }

  @Test
  void kernelJoinsWithEmptyInputs() {
    Node n = node("Concat", 13, 3, "axis", 1L);
    Tensor y = run(n, iota(2, 1), Tensor.zeros(DType.FLOAT, new int[] {2, 0}), iota(2, 2));
    assertArrayEquals(new int[] {2, 3}, y.shape());
    assertArrayEquals(new float[] {0, 0, 1, 1, 2, 3}, y.rawFloats());
  }

  @Test
  void kernelRejectsMismatchedDims() {
    Node n = node("Concat", 13, 2, "axis", 0L);
    assertThrows(OpException.class, () -> run(n, iota(1, 2), iota(1, 3)));
  }
}
