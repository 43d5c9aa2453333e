package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
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
 * ONNX {@code Expand}: broadcasts the input against {@code shape} in both directions (numpy rules),
 * so a 1 in {@code shape} keeps the input's dim rather than shrinking it.
 */
final class ExpandOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Expand")
          .since(8, 13)
          .types(EnumSet.allOf(DType.class))
          .summary("numpy broadcast to a shape (bidirectional)")
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
    IntArg shape = IntArg.input(ctx, 1, "shape");
    if (dims == null || shape.length() < 0) {
      return Infer.one(new TensorType(in.dtype(), Shape.unknownRank()));
    }
    int rank = Math.max(dims.size(), shape.length());
    List<Dim> out = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      Dim a = at(dims, i, rank);
      if (shape.known()) {
        int k = i - (rank - shape.length());
        Dim b = k < 0 ? Dim.fixed(1) : Dim.fixed(checkDim(shape.values(), k));
        out.add(Dims.broadcast(ctx, a, b, i, "Expand"));
      } else {
        // The unknown target entry may be 1, which keeps a fixed input dim above 1; else unknown.
        out.add(a.isFixed() && a.size() > 1 ? a : Infer.fresh(ctx, 0, i));
      }
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] target = IntArg.values(ctx.required(1), "shape");
    int[] in = x.shape();
    int rank = Math.max(in.length, target.length);
    long[] outDims = new long[rank];
    for (int i = 0; i < rank; i++) {
      long a = i < rank - in.length ? 1 : in[i - (rank - in.length)];
      long b = i < rank - target.length ? 1 : checkDim(target, i - (rank - target.length));
      if (a != b && a != 1 && b != 1) {
        throw OpException.shapes(
            "input shape "
                + Shapes.str(in)
                + " cannot be broadcast to "
                + Arrays.toString(target)
                + " (axis "
                + i
                + ": "
                + a
                + " vs "
                + b
                + ")");
      }
      outDims[i] = a == 1 ? b : a;
    }
    int[] outShape = Elements.checkedShape(outDims, "Expand output shape");
    int[] inStrides = Elements.strides(in);
    int[] strides = new int[rank];
    for (int i = rank - in.length; i < rank; i++) {
      int k = i - (rank - in.length);
      strides[i] = in[k] == 1 ? 0 : inStrides[k];
    }
    Object dst = Elements.alloc(x.dtype(), Elements.product(outShape, 0, rank));
    Elements.copyView(x.rawData(), 0, outShape, strides, dst, 0);
    return List.of(Elements.wrap(x.dtype(), outShape, dst));
  }

  private static Dim at(List<Dim> dims, int i, int rank) {
    int k = i - (rank - dims.size());
    return k < 0 ? Dim.fixed(1) : dims.get(k);
  }

  private static long checkDim(long[] shape, int i) {
    if (shape[i] < 0) {
      throw OpException.shapes(
          "shape " + Arrays.toString(shape) + " has negative entry " + shape[i] + " at " + i);
    }
    return shape[i];
  }
}
