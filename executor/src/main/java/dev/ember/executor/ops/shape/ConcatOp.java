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
 * ONNX {@code Concat}: joins inputs of equal rank along {@code axis} (negative from opset 11); all
 * other dims must match. Inputs that are empty along the axis contribute nothing.
 */
final class ConcatOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Concat")
          .since(1, 4, 11, 13)
          .types(EnumSet.allOf(DType.class))
          .summary("joins tensors along an axis")
          .build();

  private static final long NONE = Long.MIN_VALUE;

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    DType dtype = null;
    List<Dim> first = null;
    boolean allKnown = true;
    for (int i = 0; i < ctx.inputCount(); i++) {
      TensorType t = ctx.type(i);
      if (t != null && dtype == null) {
        dtype = t.dtype();
      }
      List<Dim> d = Dims.of(t);
      allKnown &= d != null;
      if (d != null && first == null) {
        first = d;
      }
    }
    if (dtype == null) {
      return Infer.one(null);
    }
    if (first == null) {
      return Infer.one(new TensorType(dtype, Shape.unknownRank()));
    }
    int rank = first.size();
    int axis =
        Infer.axis(axis(ctx.node().opset(), ctx.attrs().getInt("axis", NONE)), rank, "Concat axis");
    List<Dim> out = new ArrayList<>(first);
    long fixed = 0;
    List<Dim> symbols = new ArrayList<>();
    for (int i = 0; i < ctx.inputCount(); i++) {
      List<Dim> d = Dims.of(ctx.type(i));
      if (d == null) {
        continue;
      }
      if (d.size() != rank) {
        throw OpException.shapes(
            "input "
                + i
                + " has rank "
                + d.size()
                + ", input 0 has rank "
                + rank
                + "; Concat needs equal ranks");
      }
      for (int k = 0; k < rank; k++) {
        if (k != axis) {
          out.set(k, Dims.same(out.get(k), d.get(k), "Concat inputs at axis " + k));
        } else if (d.get(k).isFixed()) {
          fixed += d.get(k).size();
        } else {
          symbols.add(d.get(k));
        }
      }
    }
    Dim joined;
    if (!allKnown || symbols.size() > 1 || (symbols.size() == 1 && fixed != 0)) {
      joined = Infer.fresh(ctx, 0, axis);
    } else {
      joined = symbols.isEmpty() ? Dim.fixed(fixed) : symbols.get(0);
    }
    out.set(axis, joined);
    return Infer.one(Dims.type(dtype, out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    List<Tensor> ins = new ArrayList<>();
    for (int i = 0; i < ctx.inputCount(); i++) {
      ins.add(ctx.required(i));
    }
    if (ins.isEmpty()) {
      throw OpException.attribute("Concat needs at least one input");
    }
    Tensor first = ins.get(0);
    int[] shape = first.shape();
    int axis =
        Infer.axis(
            axis(ctx.node().opset(), ctx.attrs().getInt("axis", NONE)),
            shape.length,
            "Concat axis");
    long total = 0;
    for (int i = 0; i < ins.size(); i++) {
      Tensor t = ins.get(i);
      if (t.dtype() != first.dtype()) {
        throw OpException.dtype(
            "input "
                + i
                + " is "
                + t.dtype().onnxLowerName()
                + ", input 0 is "
                + first.dtype().onnxLowerName()
                + "; Concat needs one element type");
      }
      int[] s = t.shape();
      for (int k = 0; k < shape.length; k++) {
        if (s.length != shape.length || (k != axis && s[k] != shape[k])) {
          throw OpException.shapes(
              "input "
                  + i
                  + " has shape "
                  + Arrays.toString(s)
                  + ", input 0 has "
                  + Arrays.toString(shape)
                  + "; all dims but axis "
                  + axis
                  + " must match");
        }
      }
      total += s[axis];
    }
    long[] outDims = Arrays.stream(shape).asLongStream().toArray();
    outDims[axis] = total;
    int[] outShape = Elements.checkedShape(outDims, "Concat output shape");
    int outer = Elements.product(shape, 0, axis);
    int inner = Elements.product(shape, axis + 1, shape.length);
    Object dst = Elements.alloc(first.dtype(), outer * (int) total * inner);
    int pos = 0;
    for (int o = 0; o < outer; o++) {
      for (Tensor t : ins) {
        int block = t.dim(axis) * inner;
        System.arraycopy(t.rawData(), o * block, dst, pos, block);
        pos += block;
      }
    }
    return List.of(Elements.wrap(first.dtype(), outShape, dst));
  }

  /** Opset 1 defaults the axis to 1; from opset 4 the attribute is required. */
  private static long axis(int opset, long attr) {
    if (attr == NONE && opset < 4) {
      return 1;
    }
    if (attr == NONE) {
      throw OpException.attribute("Concat needs the 'axis' attribute");
    }
    return attr;
  }
}
