package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Element types of quantized tensors and their scales, and the rounding that maps a real value to
 * a quantized one: round half to even, then saturate to the type's range (ONNX's rule).
 */
final class QuantTypes {
  private QuantTypes() {}

  /** Integer types Ember quantizes to; ONNX's float8/int4/int2 targets are types Ember lacks. */
  static final Set<DType> QUANTIZED =
      EnumSet.of(DType.UINT8, DType.INT8, DType.UINT16, DType.INT16);

  /** The 8-bit types of the integer matrix products (MatMulInteger, QLinearMatMul). */
  static final Set<DType> BYTES = EnumSet.of(DType.UINT8, DType.INT8);

  /** Element types of scales and of dequantized values. */
  static final Set<DType> SCALES = EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16);

  static long min(DType t) {
    switch (t) {
      case INT8:
        return Byte.MIN_VALUE;
      case INT16:
        return Short.MIN_VALUE;
      case INT32:
        return Integer.MIN_VALUE;
      default:
        return 0; // unsigned
    }
  }

  static long max(DType t) {
    switch (t) {
      case UINT8:
        return 255;
      case INT8:
        return Byte.MAX_VALUE;
      case UINT16:
        return 65535;
      case INT16:
        return Short.MAX_VALUE;
      default:
        return Integer.MAX_VALUE;
    }
  }

  /** {@code v} rounded half to even and clamped to {@code t}'s range (NaN goes to 0). */
  static long saturate(double v, DType t) {
    double r = Math.rint(v);
    if (Double.isNaN(r)) {
      return 0;
    }
    return (long) Math.max(min(t), Math.min(max(t), r));
  }

  /** Throws UNSUPPORTED_DTYPE unless {@code t} is in {@code allowed}. */
  static void require(String op, Set<DType> allowed, Tensor t, String what) {
    if (!allowed.contains(t.dtype())) {
      throw OpException.dtype(
          op + " does not take " + what + " of element type " + t.dtype().onnxLowerName()
              + " (it takes " + names(allowed) + ")");
    }
  }

  /** The type named by an {@code output_dtype}-like attribute value, if Ember holds it. */
  static DType named(String op, String attr, long code, Set<DType> allowed) {
    for (DType t : allowed) {
      if (t.onnxCode() == code) {
        return t;
      }
    }
    String name = code == (int) code ? DType.onnxName((int) code) : "DataType(" + code + ")";
    throw OpException.dtype(
        op + " " + attr + " " + name + " is not supported (Ember quantizes to " + names(allowed)
            + "; it holds no float8, int4 or int2 tensors)");
  }

  static String names(Set<DType> types) {
    StringBuilder sb = new StringBuilder();
    for (DType d : EnumSet.copyOf(types)) {
      sb.append(sb.length() == 0 ? "" : ", ").append(d.onnxLowerName());
    }
    return sb.toString();
  }
}
