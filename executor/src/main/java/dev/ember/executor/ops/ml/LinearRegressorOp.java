package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.DType;
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
 * ai.onnx.ml {@code LinearRegressor}: Y [N, targets] float = X [N, C] times the coefficients
 * (one contiguous run of C per target) plus the intercepts (one per target, optional), then
 * post_transform (NONE by default).
 */
final class LinearRegressorOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("LinearRegressor")
          .domain(MlOps.DOMAIN)
          .since(1)
          .types(MlInputs.NUMERIC)
          .summary("X * coefficients^T + intercepts, [N, targets]")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Infer.one(MlInputs.matrix(DType.FLOAT, MlInputs.batch(ctx.type(0)),
        ctx.attrs().getInt("targets", 1)));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    String op = "LinearRegressor";
    var a = ctx.attrs();
    int targets = (int) a.getInt("targets", 1);
    double[][] x = MlInputs.rows(op, ctx.required(0));
    double[][] y = Linear.scores(op, x, MlAttrs.floats(a, "coefficients"),
        MlAttrs.floats(a, "intercepts"), targets);
    PostTransform post = PostTransform.named(op, a.getString("post_transform", "NONE"));
    for (double[] row : y) {
      post.apply(row, 0, targets);
    }
    return List.of(MlInputs.floats(y, targets));
  }

  /** The shared product of the linear models. */
  static final class Linear {
    private Linear() {}

    /**
     * X [N, C] times {@code coefficients} read as [targets, C] (transposed), plus the intercepts.
     */
    static double[][] scores(String op, double[][] x, double[] coefficients, double[] intercepts,
        int targets) {
      if (coefficients == null) {
        throw OpException.attribute(op + " needs the attribute 'coefficients'");
      }
      int c = x.length == 0 ? coefficients.length / Math.max(targets, 1) : x[0].length;
      if (targets <= 0 || coefficients.length != targets * c) {
        throw OpException.shapes(op + " has " + coefficients.length + " coefficients, but X has "
            + c + " columns and there are " + targets + " targets (needs " + targets * c + ")");
      }
      if (intercepts != null && intercepts.length != targets) {
        throw OpException.attribute(op + " has " + intercepts.length + " intercepts for "
            + targets + " targets");
      }
      double[][] y = new double[x.length][targets];
      for (int i = 0; i < x.length; i++) {
        for (int t = 0; t < targets; t++) {
          double s = intercepts == null ? 0 : intercepts[t];
          for (int j = 0; j < c; j++) {
            s += x[i][j] * coefficients[t * c + j];
          }
          y[i][t] = s;
        }
      }
      return y;
    }
  }
}
