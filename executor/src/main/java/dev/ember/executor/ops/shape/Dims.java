package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.List;

/** Type-inference arithmetic on possibly symbolic dims, shared by the shape ops. */
final class Dims {
  private Dims() {}

  static TensorType type(DType t, List<Dim> dims) {
    return new TensorType(t, Shape.of(dims));
  }

  /** {@code n} fresh dims for output 0, numbered by axis. */
  static List<Dim> fresh(TypeContext ctx, int n) {
    List<Dim> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Infer.fresh(ctx, 0, i));
    }
    return out;
  }

  /** The dims of a known-rank input, or null when its type or rank is unknown. */
  static List<Dim> of(TensorType t) {
    return t == null || !t.shape().rankKnown() ? null : t.shape().dims();
  }

  /**
   * The product of {@code dims}: fixed when all are fixed, the symbol itself when exactly one is
   * symbolic and the rest multiply to 1, otherwise a fresh dim for output axis {@code axis}.
   */
  static Dim product(TypeContext ctx, List<Dim> dims, int axis) {
    long fixed = 1;
    Dim symbol = null;
    int symbols = 0;
    for (Dim d : dims) {
      if (d.isFixed()) {
        fixed *= d.size();
      } else {
        symbol = d;
        symbols++;
      }
    }
    if (symbols == 0 || fixed == 0) {
      return Dim.fixed(fixed);
    }
    return symbols == 1 && fixed == 1 ? symbol : Infer.fresh(ctx, 0, axis);
  }

  /**
   * Two dims the op requires to be equal (Concat's other axes): a fixed one wins over a symbol; two
   * different fixed sizes are an error.
   */
  static Dim same(Dim a, Dim b, String what) {
    if (a.equals(b) || !b.isFixed()) {
      return a;
    }
    if (!a.isFixed()) {
      return b;
    }
    throw OpException.shapes(what + ": sizes " + a + " and " + b + " must be equal");
  }

  /** Numpy broadcast of two dims; symbols that might be 1 defer to a fixed size. */
  static Dim broadcast(TypeContext ctx, Dim a, Dim b, int axis, String what) {
    if (a.equals(b) || isOne(b)) {
      return a;
    }
    if (isOne(a)) {
      return b;
    }
    if (a.isFixed() && b.isFixed()) {
      throw OpException.shapes(what + ": sizes " + a + " and " + b + " cannot be broadcast");
    }
    if (a.isFixed()) {
      return a;
    }
    return b.isFixed() ? b : Infer.fresh(ctx, 0, axis);
  }

  static boolean isOne(Dim d) {
    return d.isFixed() && d.size() == 1;
  }
}
