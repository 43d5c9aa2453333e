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
 * ONNX {@code Unsqueeze}: inserts size-1 axes at {@code axes}, which index the output (negative
 * from its end, in any order). Axes are an attribute before opset 13 and input 1 from 13.
 */
final class UnsqueezeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Unsqueeze")
          .since(1, 11, 13, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("inserts size-1 axes")
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
    if (!axes.present()) {
      throw missingAxes();
    }
    if (dims == null || !axes.known()) {
      Shape s =
          dims != null && axes.length() >= 0
              ? Shape.of(Dims.fresh(ctx, dims.size() + axes.length()))
              : Shape.unknownRank();
      return Infer.one(new TensorType(in.dtype(), s));
    }
    boolean[] inserted = inserted(axes.values(), dims.size());
    List<Dim> out = new ArrayList<>(inserted.length);
    int k = 0;
    for (boolean one : inserted) {
      out.add(one ? Dim.fixed(1) : dims.get(k++));
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] axes = IntArg.kernel(ctx, "axes", 13, 1);
    if (axes == null) {
      throw missingAxes();
    }
    int[] shape = x.shape();
    boolean[] inserted = inserted(axes, shape.length);
    int[] out = new int[inserted.length];
    int k = 0;
    for (int i = 0; i < out.length; i++) {
      out[i] = inserted[i] ? 1 : shape[k++];
    }
    return List.of(x.reshape(out));
  }

  /** For each output axis, whether it is a new size-1 axis; checks range and duplicates. */
  private static boolean[] inserted(long[] axes, int inRank) {
    int rank = inRank + axes.length;
    boolean[] out = new boolean[rank];
    for (long a : axes) {
      int axis = Infer.axis(a, rank, "Unsqueeze axis");
      if (out[axis]) {
        throw OpException.attribute(
            "axes " + Arrays.toString(axes) + " name output axis " + axis + " twice");
      }
      out[axis] = true;
    }
    return out;
  }

  private static OpException missingAxes() {
    return OpException.attribute(
        "Unsqueeze needs axes (an attribute before opset 13, else input 1)");
  }

  /** The output shares the input's buffer. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.VIEW;
  }
}
