package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Element-type checks and type inference shared by the math ops. */
final class MathTypes {
  private MathTypes() {}

  /** Throws UNSUPPORTED_DTYPE unless the op's spec lists {@code t}. */
  static void require(OpSpec spec, DType t) {
    require(spec, t, spec.types(), "");
  }

  /** Throws UNSUPPORTED_DTYPE unless {@code allowed} holds {@code t}; {@code what} names it. */
  static void require(OpSpec spec, DType t, Set<DType> allowed, String what) {
    if (!allowed.contains(t)) {
      throw OpException.dtype(
          spec.opType()
              + (what.isEmpty() ? "" : " " + what)
              + " does not take element type "
              + t.onnxLowerName()
              + "; it takes "
              + names(allowed));
    }
  }

  /** Checks that the tensors share one element type the op takes, and returns it. */
  static DType sameType(OpSpec spec, Tensor... ts) {
    DType t = ts[0].dtype();
    for (Tensor x : ts) {
      if (x.dtype() != t) {
        throw mixed(spec, t, x.dtype());
      }
    }
    require(spec, t);
    return t;
  }

  /** Like {@link #sameType(OpSpec, Tensor...)} over the known input types; null if none known. */
  static DType sameType(TypeContext ctx, OpSpec spec, int... inputs) {
    DType t = null;
    for (int i : inputs) {
      TensorType ti = ctx.type(i);
      if (ti == null) {
        continue;
      }
      require(spec, ti.dtype());
      if (t != null && ti.dtype() != t) {
        throw mixed(spec, t, ti.dtype());
      }
      t = ti.dtype();
    }
    return t;
  }

  /** One output: the inputs' shared type, broadcast over their shapes (null when unknown). */
  static List<TensorType> broadcast(TypeContext ctx, OpSpec spec, int... inputs) {
    DType t = sameType(ctx, spec, inputs);
    return Infer.one(t == null ? null : Infer.broadcast(ctx, t, inputs));
  }

  /** The broadcast of all inputs of a variadic op (Sum, Max, Min), which needs at least one. */
  static List<TensorType> variadic(TypeContext ctx, OpSpec spec) {
    int n = ctx.inputCount();
    if (n == 0) {
      throw OpException.attribute(spec.opType() + " needs at least one input");
    }
    return broadcast(ctx, spec, IntStream.range(0, n).toArray());
  }

  /** One output of a fixed element type broadcast over the inputs; unknown rank if one is. */
  static List<TensorType> broadcastAs(TypeContext ctx, DType out, int... inputs) {
    TensorType t = Infer.broadcast(ctx, out, inputs);
    return Infer.one(t != null ? t : new TensorType(out, Shape.unknownRank()));
  }

  /** One output with input 0's type, after checking the op takes it. */
  static List<TensorType> unary(TypeContext ctx, OpSpec spec) {
    if (ctx.type(0) != null) {
      require(spec, ctx.type(0).dtype());
    }
    return Infer.sameAs(ctx, 0);
  }

  private static OpException mixed(OpSpec spec, DType a, DType b) {
    return OpException.dtype(
        spec.opType()
            + " inputs have different element types "
            + a.onnxLowerName()
            + " and "
            + b.onnxLowerName()
            + "; ONNX requires them to match");
  }

  static String names(Set<DType> types) {
    return EnumSet.copyOf(types).stream()
        .map(DType::onnxLowerName)
        .collect(Collectors.joining(", "));
  }
}
