package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code ReduceSum}: sums over the given axes (all by default), keeping them as size 1 when
 * keepdims. Axes are an attribute before opset 13 and an optional input from 13, which also adds
 * noop_with_empty_axes. The sum of an empty set is 0. Floating sums are taken in double.
 */
final class ReduceSumOp implements OpDef {
  /** The opset from which axes are input 1 rather than an attribute. */
  static final int AXES_INPUT_SINCE = 13;

  static final OpSpec SPEC =
      OpSpec.of("ReduceSum")
          .since(1, 11, 13)
          .types(NnTypes.NUMERIC)
          .summary("sum over axes, keepdims, axes as input from opset 13")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Reduction.infer(ctx, SPEC, AXES_INPUT_SINCE);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    NnTypes.require(SPEC, x, "data");
    boolean[] mask = Reduction.mask(ctx, x.rank(), AXES_INPUT_SINCE);
    if (mask == null) {
      return List.of(x);
    }
    int[] shape = Reduction.outShape(x.shape(), mask, Reduction.keepDims(ctx.node()));
    // Reducing an empty axis makes the output larger than the input: check before allocating.
    int size = NnShapes.checkedSize(shape, "ReduceSum output");
    DType t = x.dtype();
    switch (t.storage()) {
      case FLOAT:
        double[] fs = Reduction.sumDouble(x, mask, size);
        float[] fo = new float[size];
        for (int i = 0; i < size; i++) {
          fo[i] = (float) fs[i];
        }
        return List.of(Tensor.ofFloats(t, shape, fo));
      case DOUBLE:
        return List.of(Tensor.ofDoubles(shape, Reduction.sumDouble(x, mask, size)));
      case LONG:
        return List.of(Tensor.ofLongs(t, shape, Reduction.sumLong(x, mask, size)));
      default:
        throw OpException.dtype("ReduceSum does not take " + t.onnxLowerName());
    }
  }

  /** A row kernel when reducing the last axis. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
