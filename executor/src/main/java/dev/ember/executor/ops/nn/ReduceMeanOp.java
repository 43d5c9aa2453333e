package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
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
 * ONNX {@code ReduceMean}: the mean over the given axes (all by default), keeping them as size 1
 * when keepdims. Axes are an attribute before opset 18 and an optional input from 18, which also
 * adds noop_with_empty_axes. Floating means are taken in double (the mean of an empty set is
 * NaN); integer means divide the wrapped sum, truncating toward zero.
 */
final class ReduceMeanOp implements OpDef {
  /** The opset from which axes are input 1 rather than an attribute. */
  static final int AXES_INPUT_SINCE = 18;

  static final OpSpec SPEC =
      OpSpec.of("ReduceMean")
          .since(1, 11, 13, 18)
          .types(NnTypes.NUMERIC)
          .summary("mean over axes, keepdims, axes as input from opset 18")
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
    int size = NnShapes.checkedSize(shape, "ReduceMean output");
    long count = Reduction.count(x.shape(), mask);
    DType t = x.dtype();
    switch (t.storage()) {
      case FLOAT:
        double[] fs = Reduction.sumDouble(x, mask, size);
        float[] fo = new float[size];
        for (int i = 0; i < size; i++) {
          fo[i] = (float) (fs[i] / count);
        }
        return List.of(Tensor.ofFloats(t, shape, fo));
      case DOUBLE:
        double[] ds = Reduction.sumDouble(x, mask, size);
        for (int i = 0; i < size; i++) {
          ds[i] /= count;
        }
        return List.of(Tensor.ofDoubles(shape, ds));
      case LONG:
        if (count == 0 && size > 0) {
          throw OpException.shapes(
              "ReduceMean of an integer tensor of shape " + Shapes.str(x.shape())
                  + " over an empty axis has no value (the mean of nothing)");
        }
        long[] ls = Reduction.sumLong(x, mask, size);
        for (int i = 0; i < size; i++) {
          ls[i] = t == DType.UINT64 ? Long.divideUnsigned(ls[i], count) : ls[i] / count;
        }
        return List.of(Tensor.ofLongs(t, shape, ls));
      default:
        throw OpException.dtype("ReduceMean does not take " + t.onnxLowerName());
    }
  }

  /** A row kernel when reducing the last axis (also the core of a decomposed layer norm). */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
