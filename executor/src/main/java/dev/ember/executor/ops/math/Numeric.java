package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.util.EnumSet;
import java.util.Set;

/** Element-type sets shared by the math ops, and reading any numeric tensor as doubles. */
final class Numeric {
  private Numeric() {}

  /** Every numeric type Ember holds (all but BOOL and STRING). */
  static final Set<DType> TYPES = EnumSet.complementOf(EnumSet.of(DType.BOOL, DType.STRING));

  /** Floating types only. */
  static final Set<DType> FLOATS =
      EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.DOUBLE);

  /** Floating and signed integer types (Neg, Relu, Abs). */
  static final Set<DType> SIGNED =
      EnumSet.of(
          DType.FLOAT,
          DType.FLOAT16,
          DType.BFLOAT16,
          DType.DOUBLE,
          DType.INT8,
          DType.INT16,
          DType.INT32,
          DType.INT64);

  /** Every type Ember holds. */
  static final Set<DType> ALL = EnumSet.allOf(DType.class);

  static final Set<DType> BOOL = EnumSet.of(DType.BOOL);

  /** The elements of a numeric or BOOL tensor as doubles (UINT64 read unsigned); a new array. */
  static double[] toDoubles(Tensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getDouble(i);
    }
    return out;
  }
}
