package dev.ember.executor.ops.math;

import static dev.ember.executor.ops.math.OpHarness.floats;
import static dev.ember.executor.ops.math.OpHarness.longs;
import static dev.ember.executor.ops.math.OpHarness.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Half;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CastTest {

  static Map<String, AttrValue> to(DType t) {
    return Map.of("to", new AttrValue.IntAttr(t.onnxCode()));
  }

  private static Tensor cast(Tensor x, DType t) {
    return OpHarness.run(new CastOp(), 21, to(t), x);
  }

  @Test
  void floatToInt32TruncatesTowardZero() {
    Tensor out = cast(floats(shape(4), 2.7f, -2.7f, 0.5f, -0.5f), DType.INT32);
    assertEquals(DType.INT32, out.dtype());
    assertArrayEquals(new long[] {2, -2, 0, 0}, out.rawLongs());
  }

  @Test
  void integersNarrowByWrapping() {
    Tensor out = cast(longs(DType.INT64, shape(3), 300, -1, 1L << 40), DType.UINT8);
    assertArrayEquals(new long[] {44, 255, 0}, out.rawLongs());
    Tensor u64 = cast(longs(DType.INT64, shape(1), -1), DType.UINT64);
    assertEquals(Math.pow(2, 64), u64.getDouble(0));
  }

  @Test
  void largeDoublesReachUint64() {
    Tensor out = cast(Tensor.ofDoubles(shape(1), new double[] {0x1p63 + 2048}), DType.UINT64);
    assertArrayEquals(new long[] {Long.MIN_VALUE + 2048}, out.rawLongs());
  }

  @Test
  void toBoolIsNotZero() {
    Tensor out = cast(floats(shape(3), 0, -0.5f, Float.NaN), DType.BOOL);
    assertArrayEquals(new boolean[] {false, true, true}, out.rawBools());
    Tensor back = cast(out, DType.FLOAT);
    assertArrayEquals(new float[] {0, 1, 1}, back.rawFloats());
  }

  @Test
  void doubleToHalfRoundsOnce() {
    // Just above the midpoint of two halves, but close enough that rounding to float first
    // lands exactly on the midpoint, and ties-to-even would then go down.
    double d = 1 + 0x1p-11 + 0x1p-40;
    Tensor out = cast(Tensor.ofDoubles(shape(1), new double[] {d}), DType.FLOAT16);
    assertEquals(Half.toFloat(Half.fromFloat(1 + 0x1p-10f)), out.rawFloats()[0]);
  }

  @Test
  void stringsParseAndFormat() {
    Tensor s = Tensor.ofStrings(shape(5), new String[] {"3.14", "1e-5", "-INF", "nan", " 100.5 "});
    float[] f = cast(s, DType.FLOAT).rawFloats();
    assertEquals(3.14f, f[0]);
    assertEquals(1e-5f, f[1]);
    assertEquals(Float.NEGATIVE_INFINITY, f[2]);
    assertTrue(Float.isNaN(f[3]));
    assertEquals(100.5f, f[4]);
    assertArrayEquals(new long[] {3, 0, 100}, cast(slice(s, 0, 1, 4), DType.INT64).rawLongs());
    Tensor nums = floats(shape(6), 0.1f, 100, 1e-5f, 1e20f, Float.POSITIVE_INFINITY, -0f);
    assertArrayEquals(
        new String[] {"0.1", "100.0", "1e-05", "1e+20", "INF", "-0.0"},
        cast(nums, DType.STRING).rawStrings());
    assertArrayEquals(
        new String[] {"18446744073709551615"},
        cast(longs(DType.UINT64, shape(1), -1), DType.STRING).rawStrings());
  }

  @Test
  void badStringFailsNamingTheElement() {
    Tensor s = Tensor.ofStrings(shape(2), new String[] {"1", "one"});
    OpException e = assertThrows(OpException.class, () -> cast(s, DType.FLOAT));
    assertTrue(e.getMessage().contains("element 1 ('one')"), e.getMessage());
  }

  @Test
  void unsupportedTargetNamesTheType() {
    Map<String, AttrValue> float8 = Map.of("to", new AttrValue.IntAttr(17));
    OpException e =
        assertThrows(
            OpException.class, () -> OpHarness.run(new CastOp(), 21, float8, floats(shape(1), 1)));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, e.code());
    assertTrue(e.getMessage().contains("FLOAT8E4M3FN"), e.getMessage());
    OpException inferred =
        assertThrows(
            OpException.class, () -> OpHarness.infer(new CastOp(), 21, float8, (TensorType) null));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, inferred.code());
  }

  private static Tensor slice(Tensor s, int... idx) {
    String[] out = new String[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = s.rawStrings()[idx[i]];
    }
    return Tensor.ofStrings(shape(idx.length), out);
  }
}
