package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.nn.BatchedMatMul;
import java.util.Arrays;

/**
 * The exact int32 product (A - a_zero_point) x (B - b_zero_point) under numpy matmul rules, shared
 * by MatMulInteger and QLinearMatMul. A's zero point is a scalar or one per row of A (1-D of
 * length M); B's is a scalar or one per column of B (1-D of length N, or B's shape with K = 1).
 * The shifted 8-bit operands fit in an int, so the product runs on the int32 GEMM.
 */
final class IntegerProduct {
  private IntegerProduct() {}

  static Tensor multiply(String op, Tensor a, Tensor aZp, Tensor b, Tensor bZp) {
    QuantTypes.require(op, QuantTypes.BYTES, a, "A");
    QuantTypes.require(op, QuantTypes.BYTES, b, "B");
    int[] as = a.shape();
    int[] bs = b.shape();
    int[] aShifted = shift(op, a, aZp, "a_zero_point", rowsParam(op, aZp, as));
    int[] bShifted = shift(op, b, bZp, "b_zero_point", columnsParam(op, bZp, bs));
    return BatchedMatMul.multiplyInt32(DType.INT32, aShifted, as, bShifted, bs);
  }

  /** A's zero point as a shape that broadcasts per row: [M] becomes [M, 1]. */
  private static int[] rowsParam(String op, Tensor zp, int[] as) {
    if (zp == null || zp.size() == 1) {
      return null;
    }
    int[] s = zp.shape();
    if (s.length == 1 && as.length >= 2 && s[0] == as[as.length - 2]) {
      return new int[] {s[0], 1};
    }
    throw OpException.shapes(op + " a_zero_point must be a scalar or 1-D with one value per row"
        + " of A " + Shapes.str(as) + ", got " + Shapes.str(s));
  }

  /** B's zero point as a shape that broadcasts per column: [N], or B's shape with K = 1. */
  private static int[] columnsParam(String op, Tensor zp, int[] bs) {
    if (zp == null || zp.size() == 1) {
      return null;
    }
    int[] s = zp.shape();
    boolean perColumn = s.length >= 1 && bs.length >= 2 && s[s.length - 1] == bs[bs.length - 1]
        && (s.length == 1 || s[s.length - 2] == 1);
    if (perColumn && Arrays.equals(Shapes.broadcast(s, bs), bs)) {
      return s;
    }
    throw OpException.shapes(op + " b_zero_point must be a scalar or hold one value per column"
        + " of B " + Shapes.str(bs) + ", got " + Shapes.str(s));
  }

  /** x minus its zero point as ints; {@code zpShape} null means one zero point for all. */
  private static int[] shift(String op, Tensor x, Tensor zp, String what, int[] zpShape) {
    long[] v = x.rawLongs();
    int[] out = new int[v.length];
    if (zp == null) {
      for (int i = 0; i < v.length; i++) {
        out[i] = (int) v[i];
      }
      return out;
    }
    if (zp.dtype() != x.dtype()) {
      throw OpException.dtype(op + " " + what + " is " + zp.dtype().onnxLowerName()
          + " but its operand is " + x.dtype().onnxLowerName() + "; ONNX requires one type");
    }
    long[] z = zp.rawLongs();
    if (zpShape == null) {
      int z0 = (int) z[0];
      for (int i = 0; i < v.length; i++) {
        out[i] = (int) v[i] - z0;
      }
      return out;
    }
    int[] index = Shapes.broadcastIndex(zpShape, x.shape());
    for (int i = 0; i < v.length; i++) {
      out[i] = (int) (v[i] - z[index[i]]);
    }
    return out;
  }
}
