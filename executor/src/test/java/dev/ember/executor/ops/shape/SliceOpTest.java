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
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SliceOpTest {
  private static final TensorType I1 = type(DType.INT64, 1);

  @Test
  void negativeStepReversesWithClampedBounds() {
    Node n = node("Slice", 13, 5);
    Tensor y = run(n, iota(6), ints(Long.MAX_VALUE), ints(Long.MIN_VALUE), ints(0), ints(-1));
    assertArrayEquals(new float[] {5, 4, 3, 2, 1, 0}, y.rawFloats());
  }

  @Test
  void negativeStepOfTwoOnInnerAxis() {
    Node n = node("Slice", 13, 5);
    Tensor y = run(n, iota(2, 5), ints(-1), ints(0), ints(1), ints(-2));
    assertArrayEquals(new int[] {2, 2}, y.shape());
    assertArrayEquals(new float[] {4, 2, 9, 7}, y.rawFloats());
  }

  @Test
  void negativeStepWithEmptyResult() {
    Node n = node("Slice", 13, 5);
    Tensor y = run(n, iota(4), ints(1), ints(3), ints(0), ints(-1));
    assertArrayEquals(new int[] {0}, y.shape());
  }

  @Test
  void outOfRangeStartsAndEndsClamp() {
    Node n = node("Slice", 13, 3);
    assertArrayEquals(new float[] {0, 1}, run(n, iota(4), ints(-100), ints(-2)).rawFloats());
    assertArrayEquals(new int[] {0}, run(n, iota(4), ints(10), ints(1000)).shape());
  }

  @Test
  void zeroStepIsAnError() {
    Node n = node("Slice", 13, 5);
    assertThrows(OpException.class, () -> run(n, iota(4), ints(0), ints(4), ints(0), ints(0)));
  }

  @Test
  void opset1TakesAttributes() {
    Node n =
        node(
            "Slice",
            1,
            1,
            "starts",
            new long[] {1},
            "ends",
            new long[] {-1},
            "axes",
            new long[] {1});
    Tensor y = run(n, iota(2, 4));
    assertArrayEquals(new float[] {1, 2, 5, 6}, y.rawFloats());
  }

  @Test
  void inferenceKeepsSymbolicDimsThatAreNotCut() {
    Node n = node("Slice", 13, 5);
    TensorType in = type(DType.FLOAT, "batch", "seq", 384);
    TensorType out =
        infer(
            n, List.of(in, I1, I1, I1, I1), null, ints(0), ints(Long.MAX_VALUE), ints(1), ints(1));
    assertEquals(type(DType.FLOAT, "batch", "seq", 384), out);
    TensorType cut =
        infer(
            n,
            List.of(in, I1, I1, I1, I1),
            null,
            ints(-1),
            ints(Long.MIN_VALUE),
            ints(2),
            ints(-2));
    assertEquals(type(DType.FLOAT, "batch", "seq", 192), cut);
    TensorType head = infer(n, List.of(in, I1, I1, I1, I1), null, ints(0), ints(1), ints(1));
    assertEquals(3, head.shape().rank());
    assertEquals(in.shape().dim(0), head.shape().dim(0));
    assertFalse(head.shape().dim(1).isFixed());
  }
}
