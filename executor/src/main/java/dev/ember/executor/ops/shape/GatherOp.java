package dev.ember.executor.ops.shape;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Gather}: picks slices of {@code data} along {@code axis} at {@code indices} (of any
 * rank, negative counting from the end). Output shape is data[:axis] + indices + data[axis+1:].
 * This is the embedding lookup of transformer models, so each picked slice is one bulk copy.
 */
final class GatherOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Gather")
          .since(1, 11, 13)
          .types(EnumSet.allOf(DType.class))
          .summary("slices of data along axis at the given indices")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType data = ctx.type(0);
    if (data == null) {
      return Infer.one(null);
    }
    List<Dim> dd = Dims.of(data);
    List<Dim> id = Dims.of(ctx.type(1));
    if (dd == null || id == null) {
      return Infer.one(new TensorType(data.dtype(), Shape.unknownRank()));
    }
    int axis = Infer.axis(ctx.attrs().getInt("axis", 0), dd.size(), "Gather axis");
    List<Dim> out = new ArrayList<>(dd.subList(0, axis));
    out.addAll(id);
    out.addAll(dd.subList(axis + 1, dd.size()));
    return Infer.one(Dims.type(data.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor data = ctx.required(0);
    Tensor indices = ctx.required(1);
    if (!indices.dtype().isInteger()) {
      throw OpException.dtype(
          "indices must be int32 or int64, got " + indices.dtype().onnxLowerName());
    }
    int[] ds = data.shape();
    int axis = Infer.axis(ctx.attrs().getInt("axis", 0), ds.length, "Gather axis");
    int[] is = indices.shape();
    long[] outDims = new long[ds.length - 1 + is.length];
    int k = 0;
    for (int i = 0; i < axis; i++) {
      outDims[k++] = ds[i];
    }
    for (int d : is) {
      outDims[k++] = d;
    }
    for (int i = axis + 1; i < ds.length; i++) {
      outDims[k++] = ds[i];
    }
    int[] outShape = Elements.checkedShape(outDims, "Gather output shape");
    int size = ds[axis];
    int[] idx = resolve(indices.rawLongs(), size, axis);
    int outer = Elements.product(ds, 0, axis);
    int inner = Elements.product(ds, axis + 1, ds.length);
    Object src = data.rawData();
    Object dst = Elements.alloc(data.dtype(), outer * idx.length * inner);
    int pos = 0;
    for (int o = 0; o < outer; o++) {
      int base = o * size * inner;
      for (int j : idx) {
        System.arraycopy(src, base + j * inner, dst, pos, inner);
        pos += inner;
      }
    }
    return List.of(Elements.wrap(data.dtype(), outShape, dst));
  }

  /** Indices made non-negative, each checked against the axis size before any copy. */
  private static int[] resolve(long[] raw, int size, int axis) {
    int[] out = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      long v = raw[i];
      if (v < -size || v >= size) {
        throw new OpException(
            ErrorCode.BAD_INPUT,
            "index "
                + v
                + " (element "
                + i
                + " of indices) is out of range for axis "
                + axis
                + " of size "
                + size
                + "; valid indices are "
                + -size
                + " to "
                + (size - 1),
            "check the indices input; for an embedding lookup, check that every token id is "
                + "below the vocabulary size "
                + size);
      }
      out[i] = (int) (v < 0 ? v + size : v);
    }
    return out;
  }

  /** Rows picked by index, bounds-checked. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
