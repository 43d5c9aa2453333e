package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Slice}: a strided window start:end:step on each listed axis. Opset 1 takes starts,
 * ends and axes as attributes (step 1); opset 10 on takes inputs starts, ends, axes, steps.
 * Out-of-range starts and ends are clamped as ONNX specifies (see {@link SliceRange}).
 */
final class SliceOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Slice")
          .since(1, 10, 11, 13)
          .types(EnumSet.allOf(DType.class))
          .summary("strided window start:end:step along some axes")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType in = ctx.type(0);
    if (in == null) {
      return Infer.one(null);
    }
    List<Dim> dims = Dims.of(in);
    if (dims == null) {
      return Infer.one(new TensorType(in.dtype(), Shape.unknownRank()));
    }
    IntArg starts = IntArg.infer(ctx, "starts", 10, 1);
    IntArg ends = IntArg.infer(ctx, "ends", 10, 2);
    IntArg axes = IntArg.infer(ctx, "axes", 10, 3);
    IntArg steps = IntArg.infer(ctx, "steps", 10, 4);
    int rank = dims.size();
    long[] axisList = axes.values();
    if (!axes.present() && starts.length() >= 0) {
      axisList = defaultAxes(starts.length());
    }
    if (axisList == null) {
      return Infer.one(Dims.type(in.dtype(), Dims.fresh(ctx, rank)));
    }
    int[] ax = normalize(axisList, rank);
    List<Dim> out = new ArrayList<>(dims);
    boolean known = starts.known() && ends.known() && (steps.known() || !steps.present());
    if (known) {
      checkLengths(starts.values(), ends.values(), axisList, steps.values());
    }
    for (int i = 0; i < ax.length; i++) {
      Dim d = dims.get(ax[i]);
      Dim o = Infer.fresh(ctx, 0, ax[i]);
      if (known) {
        long step = steps.known() ? steps.values()[i] : 1;
        long s = starts.values()[i];
        long e = ends.values()[i];
        if (d.isFixed()) {
          o = Dim.fixed(SliceRange.of(s, e, step, d.size(), ax[i]).count());
        } else if (SliceRange.coversAll(s, e, step)) {
          o = d;
        }
      }
      out.set(ax[i], o);
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] starts;
    long[] ends;
    if (ctx.node().opset() < 10) {
      starts = ctx.attrs().getInts("starts");
      ends = ctx.attrs().getInts("ends");
      if (starts == null || ends == null) {
        throw OpException.attribute("Slice before opset 10 needs 'starts' and 'ends' attributes");
      }
    } else {
      starts = IntArg.values(ctx.required(1), "starts");
      ends = IntArg.values(ctx.required(2), "ends");
    }
    long[] axes = IntArg.kernel(ctx, "axes", 10, 3);
    long[] steps = IntArg.kernel(ctx, "steps", 10, 4);
    if (axes == null) {
      axes = defaultAxes(starts.length);
    }
    checkLengths(starts, ends, axes, steps);
    int[] shape = x.shape();
    int[] ax = normalize(axes, shape.length);
    int[] inStrides = Elements.strides(shape);
    int[] outShape = shape.clone();
    int[] strides = inStrides.clone();
    int offset = 0;
    for (int i = 0; i < ax.length; i++) {
      int a = ax[i];
      SliceRange r = SliceRange.of(starts[i], ends[i], steps == null ? 1 : steps[i], shape[a], a);
      outShape[a] = (int) r.count();
      strides[a] = (int) (inStrides[a] * r.step());
      if (r.count() > 0) {
        offset += (int) r.start() * inStrides[a];
      }
    }
    Object dst = Elements.alloc(x.dtype(), Elements.product(outShape, 0, outShape.length));
    Elements.copyView(x.rawData(), offset, outShape, strides, dst, 0);
    return List.of(Elements.wrap(x.dtype(), outShape, dst));
  }

  private static long[] defaultAxes(int n) {
    long[] a = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  private static int[] normalize(long[] axes, int rank) {
    int[] out = new int[axes.length];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < axes.length; i++) {
      out[i] = Infer.axis(axes[i], rank, "Slice axis");
      if (seen[out[i]]) {
        throw OpException.attribute("axes " + Arrays.toString(axes) + " repeat axis " + out[i]);
      }
      seen[out[i]] = true;
    }
    return out;
  }

  private static void checkLengths(long[] starts, long[] ends, long[] axes, long[] steps) {
    int n = starts.length;
    if (ends.length != n || axes.length != n || (steps != null && steps.length != n)) {
      throw OpException.attribute(
          "starts "
              + Arrays.toString(starts)
              + ", ends "
              + Arrays.toString(ends)
              + ", axes "
              + Arrays.toString(axes)
              + " and steps "
              + (steps == null ? "(default)" : Arrays.toString(steps))
              + " must have the same length");
    }
  }
}
