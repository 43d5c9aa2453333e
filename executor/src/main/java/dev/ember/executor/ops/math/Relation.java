package dev.ember.executor.ops.math;

/** The elementwise comparisons; each maps a pair of elements to a bool. */
enum Relation {
  EQUAL,
  LESS,
  GREATER;

  /** Compares floating values (float widens to double exactly); NaN compares false. */
  boolean test(double a, double b) {
    switch (this) {
      case EQUAL:
        return a == b;
      case LESS:
        return a < b;
      default:
        return a > b;
    }
  }

  /** Compares integers held as long; UINT64 bits compare unsigned. */
  boolean test(long a, long b, boolean unsigned) {
    if (this == EQUAL) {
      return a == b;
    }
    int c = unsigned ? Long.compareUnsigned(a, b) : Long.compare(a, b);
    return this == LESS ? c < 0 : c > 0;
  }
}
