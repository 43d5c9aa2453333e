package dev.ember.executor.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowMath}'s passes on the Vector API; loaded only where the JVM has the module. Rows run
 * in the widest vectors, the last few elements one by one. Not masked (JDK 17 compiles masked
 * loads and stores to slow code) and not in a second, narrower species for the tail: with one,
 * C2's code for the method ran at 40-56 ns an element instead of 1-4 (measured on rows of 16 to
 * 48 floats; the scalar pass takes 8-9).
 */
final class VectorRows {
  private static final VectorSpecies<Float> WIDE = FloatVector.SPECIES_PREFERRED;

  private VectorRows() {}

  static void softmax(float[] a, int off, int n) {
    int wideEnd = WIDE.loopBound(n);
    float mx = Float.NEGATIVE_INFINITY;
    int j = 0;
    if (wideEnd > 0) {
      FloatVector m = FloatVector.fromArray(WIDE, a, off);
      for (j = WIDE.length(); j < wideEnd; j += WIDE.length()) {
        m = m.max(FloatVector.fromArray(WIDE, a, off + j));
      }
      mx = m.reduceLanes(VectorOperators.MAX);
    }
    for (; j < n; j++) {
      mx = Math.max(mx, a[off + j]);
    }
    FloatVector wideSum = FloatVector.zero(WIDE);
    for (j = 0; j < wideEnd; j += WIDE.length()) {
      FloatVector e = FloatVector.fromArray(WIDE, a, off + j).sub(mx).lanewise(VectorOperators.EXP);
      e.intoArray(a, off + j);
      wideSum = wideSum.add(e);
    }
    double sum = wideSum.reduceLanes(VectorOperators.ADD);
    for (; j < n; j++) {
      float e = (float) Math.exp(a[off + j] - mx);
      a[off + j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (j = 0; j < wideEnd; j += WIDE.length()) {
      FloatVector.fromArray(WIDE, a, off + j).mul(inv).intoArray(a, off + j);
    }
    for (; j < n; j++) {
      a[off + j] *= inv;
    }
  }
}
