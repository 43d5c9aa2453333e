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
 * ONNX {@code Tile}: repeats the input {@code repeats[i]} times along each axis i. The kernel
 * treats this as a broadcast view: a dim d repeated r times is the view [r, d] with stride 0 on the
 * repeat axis, so one strided copy builds the output.
 */
final class TileOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Tile")
          .since(6, 13)
          .types(EnumSet.allOf(DType.class))
          .summary("repeats the input along each axis")
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
    IntArg repeats = IntArg.input(ctx, 1, "repeats");
    if (!repeats.known()) {
      return Infer.one(Dims.type(in.dtype(), Dims.fresh(ctx, dims.size())));
    }
    long[] reps = check(repeats.values(), dims.size());
    List<Dim> out = new ArrayList<>(dims.size());
    for (int i = 0; i < reps.length; i++) {
      Dim d = dims.get(i);
      if (d.isFixed() || reps[i] == 0) {
        out.add(Dim.fixed(d.isFixed() ? d.size() * reps[i] : 0));
      } else {
        out.add(reps[i] == 1 ? d : Infer.fresh(ctx, 0, i));
      }
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    int[] shape = x.shape();
    long[] reps = check(IntArg.values(ctx.required(1), "repeats"), shape.length);
    long[] outDims = new long[shape.length];
    int[] viewDims = new int[2 * shape.length];
    int[] viewStrides = new int[2 * shape.length];
    int[] strides = Elements.strides(shape);
    for (int i = 0; i < shape.length; i++) {
      outDims[i] = Elements.saturatedProduct(shape[i], reps[i]);
    }
    int[] outShape = Elements.checkedShape(outDims, "Tile output shape");
    int n = Elements.product(outShape, 0, outShape.length);
    if (n == 0) {
      return List.of(Tensor.zeros(x.dtype(), outShape));
    }
    for (int i = 0; i < shape.length; i++) {
      viewDims[2 * i] = (int) reps[i];
      viewStrides[2 * i] = 0;
      viewDims[2 * i + 1] = shape[i];
      viewStrides[2 * i + 1] = strides[i];
    }
    Object dst = Elements.alloc(x.dtype(), n);
    Elements.copyView(x.rawData(), 0, viewDims, viewStrides, dst, 0);
    return List.of(Elements.wrap(x.dtype(), outShape, dst));
  }

  private static long[] check(long[] reps, int rank) {
    if (reps.length != rank) {
      throw OpException.shapes(
          "repeats "
              + Arrays.toString(reps)
              + " has "
              + reps.length
              + " entries for an input of "
              + "rank "
              + rank
              + "; Tile needs one per axis");
    }
    for (long r : reps) {
      if (r < 0) {
        throw OpException.attribute("repeats " + Arrays.toString(reps) + " has a negative entry");
      }
    }
    return reps;
  }
}
