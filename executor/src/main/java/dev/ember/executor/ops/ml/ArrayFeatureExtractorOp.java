package dev.ember.executor.ops.ml;

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
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * ai.onnx.ml {@code ArrayFeatureExtractor}: Z = X[..., Y], the elements of X's last axis at the
 * int64 indices Y (flattened), so Z has X's leading dims and one column per index.
 */
final class ArrayFeatureExtractorOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("ArrayFeatureExtractor")
          .domain(MlOps.DOMAIN)
          .since(1)
          .types(EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32, DType.STRING))
          .summary("columns of X's last axis at the given indices")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    TensorType y = ctx.type(1);
    if (x == null) {
      return Infer.one(null);
    }
    if (!x.shape().rankKnown() || x.shape().rank() == 0 || y == null || !y.shape().isStatic()) {
      return Infer.one(new TensorType(x.dtype(), Shape.unknownRank()));
    }
    List<Dim> dims = new ArrayList<>(x.shape().dims().subList(0, x.shape().rank() - 1));
    dims.add(Dim.fixed(Arrays.stream(y.shape().toIntArray()).asLongStream()
        .reduce(1, (p, q) -> p * q)));
    return Infer.one(new TensorType(x.dtype(), Shape.of(dims)));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] index = ctx.required(1).toLongArray();
    if (!SPEC.types().contains(x.dtype())) {
      throw OpException.dtype("ArrayFeatureExtractor does not take X of element type "
          + x.dtype().onnxLowerName());
    }
    if (x.rank() == 0) {
      throw OpException.shapes("ArrayFeatureExtractor needs X of rank >= 1, got a scalar");
    }
    int c = x.dim(x.rank() - 1);
    for (long i : index) {
      if (i < 0 || i >= c) {
        throw OpException.shapes("ArrayFeatureExtractor index " + i + " is outside X's last"
            + " axis of size " + c);
      }
    }
    int rows = c == 0 ? 0 : x.size() / c;
    Object src = x.rawData();
    Object out = Array.newInstance(src.getClass().getComponentType(), rows * index.length);
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < index.length; k++) {
        Array.set(out, r * index.length + k, Array.get(src, r * c + (int) index[k]));
      }
    }
    int[] shape = x.shape();
    shape[shape.length - 1] = index.length;
    return List.of(Tensor.wrap(x.dtype(), shape, out));
  }
}
