package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ai.onnx.ml {@code Normalizer}: each row of X [N, C] (or [C]) divided by its norm, {@code norm}
 * MAX (largest absolute value), L1 (sum of absolute values) or L2 (Euclidean); a row whose norm is
 * 0 stays 0. Y is float of X's shape.
 */
final class NormalizerOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Normalizer")
          .domain(MlOps.DOMAIN)
          .since(1)
          .types(MlInputs.NUMERIC)
          .summary("rows divided by their MAX, L1 or L2 norm")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    return Infer.one(new TensorType(DType.FLOAT, x == null ? Shape.unknownRank() : x.shape()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    double[][] rows = MlInputs.rows("Normalizer", x);
    String norm = ctx.attrs().getString("norm", "MAX");
    if (!List.of("MAX", "L1", "L2").contains(norm)) {
      throw OpException.attribute("Normalizer norm '" + norm + "' is not one of MAX, L1, L2");
    }
    int c = x.dim(x.rank() - 1);
    float[] out = new float[x.size()];
    for (int i = 0; i < rows.length; i++) {
      double d = 0;
      for (double v : rows[i]) {
        d = norm.equals("MAX") ? Math.max(d, Math.abs(v))
            : norm.equals("L1") ? d + Math.abs(v) : d + v * v;
      }
      if (norm.equals("L2")) {
        d = Math.sqrt(d);
      }
      for (int j = 0; j < c; j++) {
        out[i * c + j] = d == 0 ? 0f : (float) (rows[i][j] / d);
      }
    }
    return List.of(Tensor.ofFloats(x.shape(), out));
  }
}
