package dev.ember.executor.ops.shape;

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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Squeeze}: removes the size-1 axes listed in {@code axes} (an attribute before opset
 * 13, optional input 1 from 13), or every size-1 axis when there are none.
 */
final class SqueezeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Squeeze")
          .since(1, 11, 13, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("removes size-1 axes")
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
    IntArg axes = IntArg.infer(ctx, "axes", 13, 1);
    List<Dim> dims = Dims.of(in);
    if (dims == null) {
      return Infer.one(new TensorType(in.dtype(), Shape.unknownRank()));
    }
    List<Dim> out = new ArrayList<>();
    if (!axes.present()) {
      for (Dim d : dims) {
        if (!d.isFixed()) {
          // Whether a symbolic dim is 1 decides the output rank; only run time can tell.
          return Infer.one(new TensorType(in.dtype(), Shape.unknownRank()));
        }
        if (d.size() != 1) {
          out.add(d);
        }
      }
      return Infer.one(Dims.type(in.dtype(), out));
    }
    if (!axes.known()) {
      Shape s =
          axes.length() >= 0 && axes.length() <= dims.size()
              ? Shape.of(Dims.fresh(ctx, dims.size() - axes.length()))
              : Shape.unknownRank();
      return Infer.one(new TensorType(in.dtype(), s));
    }
    boolean[] removed = removed(axes.values(), dims.size());
    for (int i = 0; i < dims.size(); i++) {
      Dim d = dims.get(i);
      if (!removed[i]) {
        out.add(d);
      } else if (d.isFixed() && d.size() != 1) {
        throw notOne(axes.values(), i, d.size());
      }
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] axes = IntArg.kernel(ctx, "axes", 13, 1);
    int[] shape = x.shape();
    boolean[] removed;
    if (axes == null) {
      removed = new boolean[shape.length];
      for (int i = 0; i < shape.length; i++) {
        removed[i] = shape[i] == 1;
      }
    } else {
      removed = removed(axes, shape.length);
    }
    int[] out = new int[shape.length];
    int k = 0;
    for (int i = 0; i < shape.length; i++) {
      if (!removed[i]) {
        out[k++] = shape[i];
      } else if (shape[i] != 1) {
        throw notOne(axes, i, shape[i]);
      }
    }
    return List.of(x.reshape(Arrays.copyOf(out, k)));
  }

  /** For each input axis, whether {@code axes} removes it; checks range and duplicates. */
  private static boolean[] removed(long[] axes, int rank) {
    boolean[] out = new boolean[rank];
    for (long a : axes) {
      int axis = Infer.axis(a, rank, "Squeeze axis");
      if (out[axis]) {
        throw OpException.attribute(
            "axes " + Arrays.toString(axes) + " name axis " + axis + " twice");
      }
      out[axis] = true;
    }
    return out;
  }

  private static OpException notOne(long[] axes, int axis, long size) {
    return OpException.shapes(
        "axes "
            + Arrays.toString(axes)
            + " squeeze axis "
            + axis
            + ", which has size "
            + size
            + "; only size-1 axes can be squeezed");
  }

  /** The output shares the input's buffer. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.VIEW;
  }
}
