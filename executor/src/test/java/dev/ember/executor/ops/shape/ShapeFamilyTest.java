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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The smaller ops of the family: one or two behaviours each that the node tests do not cover. */
class ShapeFamilyTest {
  @Test
  void shapeOfStaticInputIsAKnownValue() {
    Node n = node("Shape", 15, 1, "start", 1L);
    TypeContext ctx =
        new TypeContext(n, List.of(type(DType.FLOAT, 2, 3, 4)), Arrays.asList((Tensor) null));
    assertArrayEquals(new long[] {3, 4}, ShapeOp.valueOf(ctx).rawLongs());
    TypeContext sym =
        new TypeContext(n, List.of(type(DType.FLOAT, 2, "s", 4)), Arrays.asList((Tensor) null));
    assertNull(ShapeOp.valueOf(sym));
    assertEquals(type(DType.INT64, 2), infer(n, List.of(type(DType.FLOAT, "b", "s", 4))));
  }

  @Test
  void shapeStartEndIgnoredBeforeOpset15() {
    Node n = node("Shape", 13, 1, "start", 1L);
    assertArrayEquals(new long[] {2, 3}, run(n, iota(2, 3)).rawLongs());
  }

  @Test
  void unsqueezeUnsortedNegativeAxesKeepSymbols() {
    Node n = node("Unsqueeze", 13, 2);
    assertEquals(
        type(DType.FLOAT, "b", 1, "s", 1),
        infer(n, List.of(type(DType.FLOAT, "b", "s"), type(DType.INT64, 2)), null, ints(-1, 1)));
    Node old = node("Unsqueeze", 11, 1, "axes", new long[] {0});
    assertArrayEquals(new int[] {1, 2, 3}, run(old, iota(2, 3)).shape());
  }

  @Test
  void squeezeWithoutAxesNeedsStaticDims() {
    Node n = node("Squeeze", 13, 1);
    assertEquals(type(DType.FLOAT, 3), infer(n, List.of(type(DType.FLOAT, 1, 3, 1))));
    assertEquals(Shape.unknownRank(), infer(n, List.of(type(DType.FLOAT, "b", 3, 1))).shape());
    Node axes = node("Squeeze", 13, 2);
    assertEquals(
        type(DType.FLOAT, "b", 3),
        infer(axes, List.of(type(DType.FLOAT, "b", 1, 3), type(DType.INT64, 1)), null, ints(1)));
    assertThrows(OpException.class, () -> run(axes, iota(2, 3), ints(0)));
  }

  @Test
  void constantOfShapeEmptyShapeIsScalar() {
    Node n =
        node(
            "ConstantOfShape",
            20,
            1,
            "value",
            Tensor.ofLongs(DType.INT32, new int[] {1}, new long[] {7}));
    Tensor y = run(n, Tensor.int64Vector());
    assertArrayEquals(new int[0], y.shape());
    assertEquals(DType.INT32, y.dtype());
    assertArrayEquals(new long[] {7}, y.rawLongs());
    Tensor z = run(node("ConstantOfShape", 20, 1), ints(2, 0));
    assertArrayEquals(new int[] {2, 0}, z.shape());
    assertEquals(DType.FLOAT, z.dtype());
    assertThrows(OpException.class, () -> run(n, ints(1 << 20, 1 << 20)));
  }

  @Test
  void rangeCountsAndRoundsFloat16() {
    Node n = node("Range", 27, 3);
    Tensor s = Tensor.ofFloats(DType.FLOAT16, new int[0], new float[] {0});
    Tensor l = Tensor.ofFloats(DType.FLOAT16, new int[0], new float[] {1});
    Tensor d = Tensor.ofFloats(DType.FLOAT16, new int[0], new float[] {0.1f});
    Tensor y = run(n, s, l, d);
    assertEquals(DType.FLOAT16, y.dtype());
    // fp16(0.1) is 0.09998, so ceil(1 / delta) counts 11 elements, the last just below 1.
    assertEquals(11, y.size());
    // Element 3 is fp16(0 + 3 * fp16(0.1)) in float, not three accumulated fp16 additions.
    assertEquals(DType.FLOAT16.round(3 * DType.FLOAT16.round(0.1f)), y.rawFloats()[3]);
    Tensor down = run(n, scalar(DType.INT32, 10), scalar(DType.INT32, 4), scalar(DType.INT32, -3));
    assertArrayEquals(new long[] {10, 7}, down.rawLongs());
    assertThrows(
        OpException.class,
        () -> run(n, scalar(DType.INT64, 0), scalar(DType.INT64, 1), scalar(DType.INT64, 0)));
  }

  @Test
  void rangeInferenceUsesConstants() {
    Node n = node("Range", 11, 3);
    TensorType i64 = type(DType.INT64);
    assertEquals(
        type(DType.INT64, 5),
        infer(
            n,
            List.of(i64, i64, i64),
            scalar(DType.INT64, 0),
            scalar(DType.INT64, 10),
            scalar(DType.INT64, 2)));
    assertFalse(infer(n, List.of(i64, i64, i64)).shape().dim(0).isFixed());
  }

  @Test
  void tileAndExpandBroadcast() {
    Tensor y = run(node("Tile", 13, 2), iota(1, 2), ints(2, 2));
    assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1, 0, 1}, y.rawFloats());
    Tensor e = run(node("Expand", 13, 2), iota(3, 1), ints(2, 1, 2));
    assertArrayEquals(new int[] {2, 3, 2}, e.shape());
    assertArrayEquals(new float[] {0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}, e.rawFloats());
    assertEquals(
        type(DType.FLOAT, 2, "seq", 4),
        infer(
            node("Expand", 13, 2),
            List.of(type(DType.FLOAT, "seq", 1), type(DType.INT64, 3)),
            null,
            ints(2, 1, 4)));
    assertEquals(
        type(DType.FLOAT, "b", 6),
        infer(
            node("Tile", 13, 2),
            List.of(type(DType.FLOAT, "b", 3), type(DType.INT64, 2)),
            null,
            ints(1, 2)));
  }

  @Test
  void flattenProductsOfSymbolicDims() {
    Node n = node("Flatten", 13, 1, "axis", -1L);
    assertEquals(type(DType.FLOAT, "b", 384), infer(n, List.of(type(DType.FLOAT, "b", 1, 384))));
    Node zero = node("Flatten", 13, 1, "axis", 0L);
    assertArrayEquals(new int[] {1, 6}, run(zero, iota(2, 3)).shape());
    assertThrows(OpException.class, () -> run(node("Flatten", 9, 1, "axis", -1L), iota(2, 3)));
  }

  @Test
  void constantFromScalarAttributes() {
    Node ints =
        node(
            "Constant",
            13,
            0,
            "value_ints",
            new dev.ember.executor.ir.AttrValue.IntsAttr(List.of(3L, 4L)));
    assertArrayEquals(new long[] {3, 4}, run(ints).rawLongs());
    assertEquals(type(DType.INT64, 2), infer(ints, List.of()));
    Node f = node("Constant", 13, 0, "value_float", 2.5f);
    assertEquals(type(DType.FLOAT), infer(f, List.of()));
  }

  private static Tensor scalar(DType t, long v) {
    return Tensor.ofLongs(t, new int[0], new long[] {v});
  }
}
