package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Shape}: the input's dims as a 1-D int64 tensor. From opset 15, {@code start} and
 * {@code end} pick a sub-range of the axes (negative from the end, clamped to [0, rank]).
 *
 * <p>The output depends only on the input's type, so when that type is static the output is a
 * constant (see {@link #valueOf}) that constant folding can use without running anything.
 */
final class ShapeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Shape")
          .since(1, 13, 15, 19, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("the input's dims as int64 (optionally axes start:end)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType in = ctx.type(0);
    if (in == null || !in.shape().rankKnown()) {
      return Infer.one(Dims.type(DType.INT64, List.of(Infer.fresh(ctx, 0, 0))));
    }
    int[] range =
        range(
            ctx.node().opset(),
            ctx.attrs().getInt("start", 0),
            ctx.attrs().getInt("end", Long.MAX_VALUE),
            in.shape().rank());
    return Infer.one(TensorType.of(DType.INT64, range[1] - range[0]));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    int[] shape = x.shape();
    int[] r =
        range(
            ctx.node().opset(),
            ctx.attrs().getInt("start", 0),
            ctx.attrs().getInt("end", Long.MAX_VALUE),
            shape.length);
    long[] out = new long[r[1] - r[0]];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape[r[0] + i];
    }
    return List.of(Tensor.int64Vector(out));
  }

  /**
   * The output value for an input of type {@code in}, or null unless the selected dims are all
   * fixed. A constant-folding pass can call this for a Shape node whose input is not constant.
   */
  static Tensor valueOf(TypeContext ctx) {
    TensorType in = ctx.type(0);
    if (in == null || !in.shape().rankKnown()) {
      return null;
    }
    List<Dim> dims = in.shape().dims();
    int[] r =
        range(
            ctx.node().opset(),
            ctx.attrs().getInt("start", 0),
            ctx.attrs().getInt("end", Long.MAX_VALUE),
            dims.size());
    long[] out = new long[r[1] - r[0]];
    for (int i = 0; i < out.length; i++) {
      Dim d = dims.get(r[0] + i);
      if (!d.isFixed()) {
        return null;
      }
      out[i] = d.size();
    }
    return Tensor.int64Vector(out);
  }

  /** [first, last) of the selected axes; empty (first == last) when start is past end. */
  private static int[] range(int opset, long start, long end, int rank) {
    if (opset < 15) {
      return new int[] {0, rank};
    }
    int s = clampAxis(start, rank);
    int e = clampAxis(end, rank);
    return new int[] {s, Math.max(s, e)};
  }

  private static int clampAxis(long v, int rank) {
    long a = v < 0 ? v + rank : v;
    return (int) Math.max(0, Math.min(rank, a));
  }

  /** A constant once shapes are static. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.VIEW;
  }
}
