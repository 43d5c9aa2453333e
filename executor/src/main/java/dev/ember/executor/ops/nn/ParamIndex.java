package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ops.OpException;
import java.util.Arrays;

/**
 * Where a broadcast parameter (LayerNormalization's Scale or B) is read for each element of X.
 * The usual parameter has the normalised shape X[axis:] (no index needed) or broadcasts onto it
 * (one index per element of a row); anything else that broadcasts onto all of X gets one index
 * per element of X.
 */
record ParamIndex(int[] index, boolean perElementOfX) {

  static ParamIndex of(String name, int[] param, int[] x, int axis) {
    int[] row = Arrays.copyOfRange(x, axis, x.length);
    if (Arrays.equals(param, row)) {
      return new ParamIndex(null, false);
    }
    if (param.length <= row.length && Arrays.equals(Shapes.broadcast(param, row), row)) {
      return new ParamIndex(Shapes.broadcastIndex(param, row), false);
    }
    if (Arrays.equals(Shapes.broadcast(param, x), x)) {
      return new ParamIndex(Shapes.broadcastIndex(param, x), true);
    }
    throw OpException.shapes(
        "LayerNormalization " + name + " of shape " + Shapes.str(param)
            + " does not broadcast to X " + Shapes.str(x) + " (normalised shape "
            + Shapes.str(row) + ")");
  }

  /** The parameter's element for element j of the row starting at X element {@code base}. */
  int at(int base, int j) {
    return index == null ? j : perElementOfX ? index[base + j] : index[j];
  }
}
