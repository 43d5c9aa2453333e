package dev.ember.executor.ops.math;

import static dev.ember.executor.ops.math.OpHarness.floats;
import static dev.ember.executor.ops.math.OpHarness.longs;
import static dev.ember.executor.ops.math.OpHarness.run;
import static dev.ember.executor.ops.math.OpHarness.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelTest {
  private static final int[] SCALAR = {};

  @Test
  void int8AdditionWraps() {
    Tensor out =
        run(new AddOp(), longs(DType.INT8, shape(2), 127, -128), longs(DType.INT8, SCALAR, 1));
    assertEquals(DType.INT8, out.dtype());
    assertArrayEquals(new long[] {-128, -127}, out.rawLongs());
  }

  @Test
  void uint8SubtractionWraps() {
    Tensor out = run(new SubOp(), longs(DType.UINT8, shape(1), 0), longs(DType.UINT8, shape(1), 1));
    assertArrayEquals(new long[] {255}, out.rawLongs());
  }

  @Test
  void negWrapsTheMostNegativeInt8() {
    Tensor out = run(new NegOp(), longs(DType.INT8, shape(2), -128, 5));
    assertArrayEquals(new long[] {-128, -5}, out.rawLongs());
  }

  @Test
  void integerDivisionTruncatesTowardZero() {
    Tensor out =
        run(
            new DivOp(),
            longs(DType.INT32, shape(4), 7, -7, 7, -7),
            longs(DType.INT32, shape(4), 2, 2, -2, -2));
    assertArrayEquals(new long[] {3, -3, -3, 3}, out.rawLongs());
  }

  @Test
  void uint64DivisionIsUnsigned() {
    Tensor out =
        run(new DivOp(), longs(DType.UINT64, shape(1), -2L), longs(DType.UINT64, shape(1), 2));
    assertArrayEquals(new long[] {Long.MAX_VALUE}, out.rawLongs());
  }

  @Test
  void integerDivisionByZeroFails() {
    OpException e =
        assertThrows(
            OpException.class,
            () ->
                run(
                    new DivOp(),
                    longs(DType.INT64, shape(2), 1, 2),
                    longs(DType.INT64, SCALAR, 0)));
    assertEquals(ErrorCode.KERNEL_FAILED, e.code());
    assertTrue(e.getMessage().contains("division by zero"), e.getMessage());
  }

  @Test
  void floatDivisionByZeroIsInfinite() {
    Tensor out = run(new DivOp(), floats(shape(2), 1, -1), floats(SCALAR, 0));
    assertArrayEquals(
        new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, out.rawFloats());
  }

  @Test
  void float16ArithmeticRoundsToHalf() {
    Tensor a = Tensor.ofFloats(DType.FLOAT16, shape(1), new float[] {1});
    Tensor b = Tensor.ofFloats(DType.FLOAT16, shape(1), new float[] {1e-4f});
    Tensor out = run(new AddOp(), a, b);
    assertEquals(DType.FLOAT16, out.dtype());
    assertEquals(1f, out.rawFloats()[0]); // 1 + 1e-4 is below half precision's step at 1
  }

  @Test
  void powMixesBaseAndExponentTypes() {
    Tensor ints = run(new PowOp(), longs(DType.INT32, shape(3), 2, 3, -2), floats(SCALAR, 0.5f));
    assertEquals(DType.INT32, ints.dtype());
    assertArrayEquals(new long[] {1, 1, 0}, ints.rawLongs()); // truncated; NaN for -2 gives 0
    Tensor exact =
        run(new PowOp(), longs(DType.INT64, shape(2), 3, -1), longs(DType.INT64, shape(2), 39, 3));
    assertArrayEquals(new long[] {4052555153018976267L, -1}, exact.rawLongs());
    Tensor squares = run(new PowOp(), floats(shape(2), 3, -1.5f), floats(SCALAR, 2));
    assertArrayEquals(new float[] {9, 2.25f}, squares.rawFloats());
  }

  @Test
  void clipWithMinAboveMaxGivesMax() {
    Tensor out =
        run(new ClipOp(), floats(shape(3), -5, 0, 5), floats(SCALAR, 2), floats(SCALAR, 1));
    assertArrayEquals(new float[] {1, 1, 1}, out.rawFloats());
  }

  @Test
  void clipOmittedBoundDoesNotClipAndKeepsNaN() {
    Tensor out = run(new ClipOp(), floats(shape(3), -5, Float.NaN, 5), null, floats(SCALAR, 1));
    assertArrayEquals(new float[] {-5, Float.NaN, 1}, out.rawFloats());
  }

  @Test
  void clipOpset6ReadsAttributes() {
    Map<String, AttrValue> attrs =
        Map.of("min", new AttrValue.FloatAttr(-1), "max", new AttrValue.FloatAttr(1));
    Tensor out = run(new ClipOp(), 6, attrs, floats(shape(3), -5, 0.5f, 5));
    assertArrayEquals(new float[] {-1, 0.5f, 1}, out.rawFloats());
  }

  @Test
  void clipUint64ComparesUnsigned() {
    Tensor out =
        run(
            new ClipOp(),
            longs(DType.UINT64, shape(2), -1L, 3),
            longs(DType.UINT64, SCALAR, 5),
            null);
    assertArrayEquals(new long[] {-1L, 5}, out.rawLongs());
  }

  @Test
  void whereBroadcastsConditionAndOperands() {
    Tensor cond = Tensor.ofBools(shape(2, 1), new boolean[] {true, false});
    Tensor x = floats(shape(3), 1, 2, 3);
    Tensor y = floats(SCALAR, -1);
    Tensor out = run(new WhereOp(), cond, x, y);
    assertArrayEquals(new int[] {2, 3}, out.shape());
    assertArrayEquals(new float[] {1, 2, 3, -1, -1, -1}, out.rawFloats());
  }

  @Test
  void variadicOpsBroadcastAllInputs() {
    Tensor a = floats(shape(2, 1), 1, 2);
    Tensor b = floats(shape(3), 10, 20, 30);
    Tensor c = floats(SCALAR, 100);
    assertArrayEquals(
        new float[] {111, 121, 131, 112, 122, 132}, run(new SumOp(), a, b, c).rawFloats());
    assertArrayEquals(new float[] {10, 20, 30, 10, 20, 30}, run(new MaxOp(), a, b).rawFloats());
    assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, run(new MinOp(), a, b).rawFloats());
    assertEquals(a, run(new SumOp(), a));
  }

  @Test
  void maxPropagatesNaNAndComparesUint64Unsigned() {
    Tensor out = run(new MaxOp(), floats(shape(2), Float.NaN, 1), floats(shape(2), 0, 2));
    assertTrue(Float.isNaN(out.rawFloats()[0]));
    Tensor big =
        run(new MaxOp(), longs(DType.UINT64, shape(1), -1L), longs(DType.UINT64, shape(1), 1));
    assertArrayEquals(new long[] {-1L}, big.rawLongs());
  }

  @Test
  void comparisonsGiveBool() {
    Tensor s = Tensor.ofStrings(shape(2), new String[] {"a", "b"});
    Tensor t = Tensor.ofStrings(SCALAR, new String[] {"b"});
    assertArrayEquals(new boolean[] {false, true}, run(new EqualOp(), s, t).rawBools());
    Tensor nan = floats(shape(2), Float.NaN, 1);
    assertArrayEquals(new boolean[] {false, true}, run(new EqualOp(), nan, nan).rawBools());
    Tensor u = longs(DType.UINT64, shape(1), -1L);
    Tensor one = longs(DType.UINT64, shape(1), 1);
    assertArrayEquals(new boolean[] {true}, run(new GreaterOp(), u, one).rawBools());
    assertArrayEquals(new boolean[] {false}, run(new LessOp(), u, one).rawBools());
    Tensor bools = Tensor.ofBools(shape(2), new boolean[] {true, false});
    assertArrayEquals(
        new boolean[] {true, false},
        run(new AndOp(), bools, Tensor.ofBools(SCALAR, new boolean[] {true})).rawBools());
    assertArrayEquals(new boolean[] {false, true}, run(new NotOp(), bools).rawBools());
  }

  @Test
  void activations() {
    Tensor x = floats(shape(3), -1, 0, 2);
    assertArrayEquals(new float[] {0, 0, 2}, run(new ReluOp(), x).rawFloats());
    assertArrayEquals(
        new long[] {0, 3}, run(new ReluOp(), longs(DType.INT32, shape(2), -3, 3)).rawLongs());
    float[] sig = run(new SigmoidOp(), floats(shape(2), -1000, 0)).rawFloats();
    assertArrayEquals(new float[] {0, 0.5f}, sig);
    float[] gelu = run(new GeluOp(), x).rawFloats();
    assertEquals(-0.15865525393145707, gelu[0], 1e-7);
    assertEquals(1.9544997361036416, gelu[2], 1e-6);
    float[] tanhGelu =
        run(new GeluOp(), 20, Map.of("approximate", new AttrValue.StringAttr("tanh")), x)
            .rawFloats();
    assertEquals(-0.15880800939172324, tanhGelu[0], 1e-7);
  }

  @Test
  void geluRejectsUnknownApproximation() {
    OpException e =
        assertThrows(
            OpException.class,
            () ->
                run(
                    new GeluOp(),
                    20,
                    Map.of("approximate", new AttrValue.StringAttr("fast")),
                    floats(shape(1), 1)));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, e.code());
  }

  @Test
  void inputsAreNeverWritten() {
    float[] data = {1, 2, 3};
    Tensor x = Tensor.ofFloats(shape(3), data);
    run(new AddOp(), x, x);
    run(new PowOp(), x, floats(SCALAR, 2));
    run(new ClipOp(), x, floats(SCALAR, 2), null);
    assertArrayEquals(new float[] {1, 2, 3}, data);
  }
}
