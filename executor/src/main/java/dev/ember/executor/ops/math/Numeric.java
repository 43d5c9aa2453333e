package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import java.util.EnumSet;
import java.util.Set;

/** Element-type sets shared by the math ops. */
final class Numeric {
  private Numeric() {}

  /** Every numeric type Ember holds (all but BOOL and STRING). */
  static final Set<DType> TYPES = EnumSet.complementOf(EnumSet.of(DType.BOOL, DType.STRING));

  /** Floating types only. */
  static final Set<DType> FLOATS =
      EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.DOUBLE);
}
