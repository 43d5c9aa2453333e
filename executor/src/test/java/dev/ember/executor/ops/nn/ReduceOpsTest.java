package dev.ember.executor.ops.nn;

import static dev.ember.executor.ops.nn.NnTesting.infer;
import static dev.ember.executor.ops.nn.NnTesting.node;
import static dev.ember.executor.ops.nn.NnTesting.run1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReduceOpsTest {
  private static final ReduceSumOp SUM = new ReduceSumOp();
  private static final ReduceMeanOp MEAN = new ReduceMeanOp();

  /** 2 x 3 x 2 with element i = i. */
  private static Tensor x() {
    float[] v = new float[12];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return Tensor.ofFloats(new int[] {2, 3, 2}, v);
  }

  @Test
  void axesAreAnAttributeBeforeTheirOpsetAndAnInputAfter() {
    Tensor sum11 = run1(SUM, node("ReduceSum", 11, 1, 1, "axes", new long[] {1}), x());
    Tensor sum13 = run1(SUM, node("ReduceSum", 13, 2, 1), x(), Tensor.int64Vector(-2));
    assertArrayEquals(new int[] {2, 1, 2}, sum11.shape());
    assertArrayEquals(new float[] {6, 9, 24, 27}, sum11.rawFloats());
    assertArrayEquals(sum11.rawFloats(), sum13.rawFloats());
    Tensor mean13 = run1(MEAN, node("ReduceMean", 13, 1, 1, "axes", new long[] {0, 2},
        "keepdims", 0), x());
    Tensor mean18 = run1(MEAN, node("ReduceMean", 18, 2, 1, "keepdims", 0), x(),
        Tensor.int64Vector(2, 0));
    assertArrayEquals(new int[] {3}, mean18.shape());
    assertArrayEquals(new float[] {3.5f, 5.5f, 7.5f}, mean18.rawFloats());
    assertArrayEquals(mean13.rawFloats(), mean18.rawFloats());
  }

  @Test
  void emptyAxesReduceAllUnlessNoop() {
    Tensor all = run1(SUM, node("ReduceSum", 13, 1, 1, "keepdims", 0), x());
    assertArrayEquals(new int[0], all.shape());
    assertArrayEquals(new float[] {66}, all.rawFloats());
    Tensor x = x();
    Tensor noop = run1(SUM, node("ReduceSum", 13, 2, 1, "noop_with_empty_axes", 1), x,
        Tensor.int64Vector());
    assertSame(x, noop);
    // Before opset 13 the attribute does not exist; no axes still means all of them.
    Tensor old = run1(SUM, node("ReduceSum", 11, 1, 1, "noop_with_empty_axes", 1), x);
    assertArrayEquals(new int[] {1, 1, 1}, old.shape());
  }

  @Test
  void emptySetsSumToZeroAndAverageToNaN() {
    Tensor empty = Tensor.ofFloats(new int[] {2, 0, 3}, new float[0]);
    Tensor s = run1(SUM, node("ReduceSum", 13, 2, 1), empty, Tensor.int64Vector(1));
    assertArrayEquals(new int[] {2, 1, 3}, s.shape());
    assertArrayEquals(new float[6], s.rawFloats());
    Tensor m = run1(MEAN, node("ReduceMean", 18, 2, 1), empty, Tensor.int64Vector(1));
    assertTrue(Float.isNaN(m.rawFloats()[0]));
  }

  @Test
  void integersSumExactlyAndMeansTruncate() {
    Tensor big = Tensor.ofLongs(DType.INT64, new int[] {3},
        new long[] {Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, -7});
    Tensor s = run1(SUM, node("ReduceSum", 13, 1, 1), big);
    assertEquals(Long.MAX_VALUE / 4 * 2 - 7, s.rawLongs()[0]);
    Tensor i = Tensor.ofLongs(DType.INT32, new int[] {2}, new long[] {-3, -4});
    assertArrayEquals(new long[] {-3}, run1(MEAN, node("ReduceMean", 18, 1, 1), i).rawLongs());
  }

  @Test
  void badAxesAreAttributeErrors() {
    OpException range = assertThrows(OpException.class,
        () -> run1(SUM, node("ReduceSum", 13, 2, 1), x(), Tensor.int64Vector(3)));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, range.code());
    OpException twice = assertThrows(OpException.class,
        () -> run1(SUM, node("ReduceSum", 13, 2, 1), x(), Tensor.int64Vector(1, -2)));
    assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
  }

  @Test
  void infersWithConstantUnknownAndAttributeAxes() {
    Dim batch = Dim.symbolic("batch");
    TensorType in = new TensorType(DType.FLOAT,
        Shape.of(List.of(batch, Dim.symbolic("seq"), Dim.fixed(384))));
    Node node = node("ReduceMean", 18, 2, 1, "keepdims", 0);
    List<TensorType> types = Arrays.asList(in, TensorType.of(DType.INT64, 1));
    TypeContext known = new TypeContext(node, types, Arrays.asList(null, Tensor.int64Vector(1)));
    assertEquals(new TensorType(DType.FLOAT, Shape.of(List.of(batch, Dim.fixed(384)))),
        MEAN.inferTypes(known).get(0));
    TypeContext unknown = new TypeContext(node, types, Arrays.asList(null, null));
    assertEquals(new TensorType(DType.FLOAT, Shape.unknownRank()),
        MEAN.inferTypes(unknown).get(0));
    TensorType old = infer(MEAN, node("ReduceMean", 13, 1, 1, "axes", new long[] {-1}), in).get(0);
    assertEquals(new TensorType(DType.FLOAT,
        Shape.of(List.of(batch, Dim.symbolic("seq"), Dim.fixed(1)))), old);
  }
}
