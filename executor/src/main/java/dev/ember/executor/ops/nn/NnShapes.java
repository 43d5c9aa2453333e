package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.List;

/** Shape helpers of the nn ops: size checks on static shapes, broadcasting over symbolic dims. */
final class NnShapes {
  private NnShapes() {}

  /** Largest element count a Java array (and so a Tensor) can hold on common JVMs. */
  static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** The element count of {@code shape}, or an OpException when no array can hold it. */
  static int checkedSize(int[] shape, String what) {
    long n = 1;
    for (int d : shape) {
      n *= d;
      if (n > MAX_ELEMENTS) {
        throw OpException.shapes(
            what + " of shape " + Shapes.str(shape) + " would exceed " + MAX_ELEMENTS
                + " elements");
      }
    }
    return (int) n;
  }

  /**
   * The numpy broadcast of two dim lists (right-aligned). Unknown sizes stay symbolic; two
   * different symbols give a fresh one, as either may be 1 at run time.
   */
  static List<Dim> broadcast(
      TypeContext ctx, List<Dim> a, List<Dim> b, String what, int output, int firstAxis) {
    int rank = Math.max(a.size(), b.size());
    List<Dim> out = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      Dim da = i < rank - a.size() ? Dim.fixed(1) : a.get(i - (rank - a.size()));
      Dim db = i < rank - b.size() ? Dim.fixed(1) : b.get(i - (rank - b.size()));
      out.add(broadcastDim(ctx, da, db, what, output, firstAxis + i));
    }
    return out;
  }

  private static Dim broadcastDim(
      TypeContext ctx, Dim da, Dim db, String what, int output, int axis) {
    if (da.equals(db) || isOne(db)) {
      return da;
    }
    if (isOne(da)) {
      return db;
    }
    if (da.isFixed() && db.isFixed()) {
      throw OpException.shapes(what);
    }
    // A fixed size other than 1 wins: the symbol must be 1 or equal to it.
    if (da.isFixed()) {
      return da;
    }
    if (db.isFixed()) {
      return db;
    }
    return Infer.fresh(ctx, output, axis);
  }

  static boolean isOne(Dim d) {
    return d.isFixed() && d.size() == 1;
  }

  /** True when both dims are fixed and differ: a certain mismatch. */
  static boolean differ(Dim a, Dim b) {
    return a.isFixed() && b.isFixed() && a.size() != b.size();
  }
}
