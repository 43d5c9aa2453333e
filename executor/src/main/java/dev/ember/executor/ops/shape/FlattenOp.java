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
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Flatten}: a 2-D view [prod(dims[:axis]), prod(dims[axis:])]. {@code axis} (default 1)
 * may equal the rank (giving [n, 1]); negative values count from the end from opset 11.
 */
final class FlattenOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Flatten")
          .since(1, 9, 11, 13, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("2-D view split at an axis")
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
      return Infer.one(new TensorType(in.dtype(), Shape.of(Dims.fresh(ctx, 2))));
    }
    int axis = axis(ctx.node().opset(), ctx.attrs().getInt("axis", 1), dims.size());
    Dim outer = Dims.product(ctx, dims.subList(0, axis), 0);
    Dim inner = Dims.product(ctx, dims.subList(axis, dims.size()), 1);
    return Infer.one(Dims.type(in.dtype(), List.of(outer, inner)));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    int[] shape = x.shape();
    int axis = axis(ctx.node().opset(), ctx.attrs().getInt("axis", 1), shape.length);
    int outer = Elements.product(shape, 0, axis);
    int inner = Elements.product(shape, axis, shape.length);
    return List.of(x.reshape(new int[] {outer, inner}));
  }

  private static int axis(int opset, long axis, int rank) {
    long a = axis < 0 && opset >= 11 ? axis + rank : axis;
    if (a < 0 || a > rank) {
      throw OpException.attribute(
          "Flatten axis "
              + axis
              + " is out of range for a tensor of rank "
              + rank
              + " (valid: "
              + (opset >= 11 ? -rank : 0)
              + " to "
              + rank
              + ")");
    }
    return (int) a;
  }

  /** The output shares the input's buffer. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.VIEW;
  }
}
