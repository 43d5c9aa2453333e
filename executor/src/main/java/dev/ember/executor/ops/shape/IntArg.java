package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;

/**
 * An integer-list argument (axes, shape, starts, repeats) as type inference sees it: absent, known
 * (an attribute, or a constant input), or present but unknown until run time, in which case {@code
 * length} is its element count when the input's type says so, else -1.
 *
 * <p>ONNX moved most such arguments from attributes to inputs at some opset; {@link #infer} and
 * {@link #kernel} take both places so each op states the split once.
 */
record IntArg(boolean present, long[] values, int length) {
  static final IntArg ABSENT = new IntArg(false, null, -1);

  boolean known() {
    return values != null;
  }

  /**
   * The argument for type inference: attribute {@code attr} when the node's opset is below {@code
   * inputSince}, else input {@code input} (absent when omitted).
   */
  static IntArg infer(TypeContext ctx, String attr, int inputSince, int input) {
    if (ctx.node().opset() < inputSince) {
      long[] v = ctx.attrs().getInts(attr);
      return v == null ? ABSENT : new IntArg(true, v, v.length);
    }
    return input(ctx, input, attr);
  }

  /** Input {@code i} for type inference, read from its constant value when there is one. */
  static IntArg input(TypeContext ctx, int i, String what) {
    if (!ctx.hasInput(i)) {
      return ABSENT;
    }
    Tensor c = ctx.constant(i);
    if (c != null) {
      long[] v = values(c, what);
      return new IntArg(true, v, v.length);
    }
    TensorType t = ctx.type(i);
    Shape s = t == null ? Shape.unknownRank() : t.shape();
    int len = -1;
    if (s.rankKnown() && s.rank() == 1 && s.dim(0).isFixed()) {
      len = (int) s.dim(0).size();
    } else if (s.rankKnown() && s.rank() == 0) {
      len = 1;
    }
    return new IntArg(true, null, len);
  }

  /** The argument for a kernel; null when absent. */
  static long[] kernel(KernelContext ctx, String attr, int inputSince, int input) {
    if (ctx.node().opset() < inputSince) {
      return ctx.attrs().getInts(attr);
    }
    Tensor t = ctx.input(input);
    return t == null ? null : values(t, attr);
  }

  /** The elements of an integer scalar or 1-D tensor, or an OpException naming {@code what}. */
  static long[] values(Tensor t, String what) {
    if (!t.dtype().isInteger()) {
      throw OpException.dtype(
          "'" + what + "' must be an integer tensor, got " + t.dtype().onnxLowerName());
    }
    if (t.rank() > 1) {
      throw OpException.shapes(
          "'" + what + "' must be a 1-D tensor, got shape " + java.util.Arrays.toString(t.shape()));
    }
    return t.toLongArray();
  }
}
