package dev.ember.executor.ops;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Type-inference helpers shared by ops: broadcasting over symbolic dims, fresh unknown dims. */
public final class Infer {
  private Infer() {}

  /** One output with the type of input {@code i} (null when unknown). */
  public static List<TensorType> sameAs(TypeContext ctx, int i) {
    return Arrays.asList(ctx.type(i));
  }

  /** A list with one (possibly null) type. */
  public static List<TensorType> one(TensorType t) {
    return Arrays.asList(t);
  }

  /** An unknown-sized dimension, unique to this node and axis. */
  public static Dim fresh(TypeContext ctx, int output, int axis) {
    return Dim.symbolic("?" + ctx.node().name() + "#" + output + "." + axis);
  }

  /**
   * The numpy broadcast of the given inputs' shapes with element type {@code dtype}; null when
   * any input type is unknown.
   */
  public static TensorType broadcast(TypeContext ctx, DType dtype, int... inputs) {
    Shape acc = null;
    for (int i : inputs) {
      TensorType t = ctx.type(i);
      if (t == null) {
        return null;
      }
      acc = acc == null ? t.shape() : broadcast(ctx, acc, t.shape());
    }
    return acc == null ? null : new TensorType(dtype, acc);
  }

  public static Shape broadcast(TypeContext ctx, Shape a, Shape b) {
    if (!a.rankKnown() || !b.rankKnown()) {
      return Shape.unknownRank();
    }
    int rank = Math.max(a.rank(), b.rank());
    List<Dim> out = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      Dim da = i < rank - a.rank() ? Dim.fixed(1) : a.dim(i - (rank - a.rank()));
      Dim db = i < rank - b.rank() ? Dim.fixed(1) : b.dim(i - (rank - b.rank()));
      out.add(broadcastDim(ctx, da, db, a, b, i));
    }
    return Shape.of(out);
  }

  private static Dim broadcastDim(TypeContext ctx, Dim da, Dim db, Shape a, Shape b, int axis) {
    if (da.equals(db)) {
      return da;
    }
    if (da.isFixed() && da.size() == 1) {
      return db;
    }
    if (db.isFixed() && db.size() == 1) {
      return da;
    }
    if (da.isFixed() && db.isFixed()) {
      throw OpException.shapes("shapes " + a + " and " + b + " cannot be broadcast together");
    }
    if (da.isFixed()) {
      return da;
    }
    if (db.isFixed()) {
      return db;
    }
    return fresh(ctx, 0, axis);
  }

  /** Resolves a possibly negative axis for an op, or throws naming the axis and rank. */
  public static int axis(long axis, int rank, String what) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw OpException.attribute(
          what + " " + axis + " is out of range for a tensor of rank " + rank);
    }
    return (int) a;
  }
}
