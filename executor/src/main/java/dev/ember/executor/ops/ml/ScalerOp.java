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
import java.util.Arrays;
import java.util.List;

/**
 * ai.onnx.ml {@code Scaler}: Y = (X - offset) * scale per feature (the last axis of X [N, C] or
 * [C]); a one-value {@code offset} or {@code scale} applies to every feature, an absent one is 0
 * (offset) or 1 (scale). Y is float of X's shape.
 */
final class ScalerOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Scaler")
          .domain(MlOps.DOMAIN)
          .since(1)
          .types(MlInputs.NUMERIC)
          .summary("(X - offset) * scale per feature")
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
    double[][] rows = MlInputs.rows("Scaler", x);
    int c = x.dim(x.rank() - 1);
    double[] offset = perFeature(MlAttrs.floats(ctx.attrs(), "offset"), c, 0, "offset");
    double[] scale = perFeature(MlAttrs.floats(ctx.attrs(), "scale"), c, 1, "scale");
    float[] out = new float[x.size()];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < c; j++) {
        out[i * c + j] = (float) ((rows[i][j] - offset[j]) * scale[j]);
      }
    }
    return List.of(Tensor.ofFloats(x.shape(), out));
  }

  private static double[] perFeature(double[] v, int c, double absent, String name) {
    double[] out = new double[c];
    if (v == null || v.length == 0) {
      Arrays.fill(out, absent);
    } else if (v.length == 1) {
      Arrays.fill(out, v[0]);
    } else if (v.length == c) {
      out = v;
    } else {
      throw OpException.attribute("Scaler has " + v.length + " " + name + " values for " + c
          + " features (give 1 or " + c + ")");
    }
    return out;
  }
}
