package dev.ember.executor.ops.shape;

import static dev.ember.executor.ops.shape.Ops.infer;
import static dev.ember.executor.ops.shape.Ops.ints;
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
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReshapeOpTest {
  private static final TensorType SHAPE4 = type(DType.INT64, 4);
  private static final TensorType SHAPE3 = type(DType.INT64, 3);

  @Test
  void zeroCopiesSymbolicDims() {
    Node n = node("Reshape", 14, 2);
    TensorType in = type(DType.FLOAT, "batch", "seq", 384);
    TensorType out = infer(n, List.of(in, SHAPE4), null, ints(0, 0, 12, 32));
    assertEquals(type(DType.FLOAT, "batch", "seq", 12, 32), out);
  }

  @Test
  void minusOneCancelsCommonSymbols() {
    Node n = node("Reshape", 14, 2);
    TensorType heads = type(DType.FLOAT, "batch", "seq", 12, 32);
    assertEquals(
        type(DType.FLOAT, "batch", "seq", 384),
        infer(n, List.of(heads, SHAPE3), null, ints(0, 0, -1)));
    assertEquals(
        type(DType.FLOAT, "batch", "seq", 384),
        infer(n, List.of(heads, SHAPE3), null, ints(0, -1, 384)));
    assertEquals(
        type(DType.FLOAT, "batch", "seq", 12, 32),
        infer(
            n, List.of(type(DType.FLOAT, "batch", "seq", 384), SHAPE4), null, ints(0, 0, -1, 32)));
  }

  @Test
  void minusOneOverMergedSymbolsIsFresh() {
    Node n = node("Reshape", 14, 2);
    TensorType out =
        infer(
            n,
            List.of(type(DType.FLOAT, "batch", "seq", 384), type(DType.INT64, 2)),
            null,
            ints(-1, 384));
    assertFalse(out.shape().dim(0).isFixed());
    assertEquals(384, out.shape().dim(1).size());
  }

  @Test
  void allowZeroMakesZeroLiteral() {
    Node n = node("Reshape", 14, 2, "allowzero", 1L);
    TensorType out =
        infer(n, List.of(type(DType.FLOAT, 0, 3), type(DType.INT64, 2)), null, ints(3, 0));
    assertEquals(type(DType.FLOAT, 3, 0), out);
    assertArrayEquals(new int[] {3, 0}, run(n, iota(0, 3), ints(3, 0)).shape());
  }

  @Test
  void unknownShapeValueGivesRankOnly() {
    Node n = node("Reshape", 14, 2);
    TensorType out = infer(n, List.of(type(DType.FLOAT, "b", 6), SHAPE3));
    assertEquals(3, out.shape().rank());
  }

  @Test
  void kernelInfersAndCopies() {
    Node n = node("Reshape", 13, 2);
    assertArrayEquals(new int[] {2, 3, 4}, run(n, iota(2, 12), ints(0, -1, 4)).shape());
    OpException e = assertThrows(OpException.class, () -> run(n, iota(2, 12), ints(5, -1)));
    assertEquals(dev.ember.executor.errors.ErrorCode.SHAPE_MISMATCH, e.code());
  }

  @Test
  void shapeAttributeBeforeOpset5() {
    Node n = node("Reshape", 1, 1, "shape", new long[] {4, -1});
    assertArrayEquals(new int[] {4, 6}, run(n, iota(2, 12)).shape());
  }
}
