package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;
import java.util.List;

/**
 * ai.onnx.ml {@code LinearClassifier}: scores [N, E] = X [N, C] times the coefficients (E runs of
 * C) plus the intercepts; E is the number of intercepts, else coefficients / C. With E > 1, Y is
 * the label of the largest raw score. With E = 1 (a binary model) Y is the second label where the
 * raw score is > 0, else the first (1 / 0 without two labels), and with two labels the scores get
 * a second column: [1 - p, p] for p the transformed score, as ONNX Runtime writes them. Then
 * post_transform; {@code multi_class} does not change the result.
 */
final class LinearClassifierOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("LinearClassifier")
          .domain(MlOps.DOMAIN)
          .since(1)
          .types(MlInputs.NUMERIC)
          .summary("linear scores X * coefficients^T + intercepts; labels (int64 or string)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    Dim batch = MlInputs.batch(ctx.type(0));
    DType labels = ClassLabels.type(ctx.attrs(), "classlabels_ints");
    TensorType y = new TensorType(labels,
        batch == null ? Shape.unknownRank() : Shape.of(List.of(batch)));
    double[] intercepts = MlAttrs.floats(ctx.attrs(), "intercepts");
    if (intercepts == null) {
      return Arrays.asList(y, null);
    }
    ClassLabels l = ClassLabels.read("LinearClassifier", ctx.attrs(), "classlabels_ints");
    int cols = intercepts.length == 1 && l.size() == 2 ? 2 : intercepts.length;
    return List.of(y, MlInputs.matrix(DType.FLOAT, batch, cols));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    String op = "LinearClassifier";
    var a = ctx.attrs();
    ClassLabels labels = ClassLabels.read(op, a, "classlabels_ints");
    double[][] x = MlInputs.rows(op, ctx.required(0));
    double[] coefficients = MlAttrs.floats(a, "coefficients");
    double[] intercepts = MlAttrs.floats(a, "intercepts");
    int c = x[0].length;
    int e = intercepts != null ? intercepts.length
        : coefficients == null || c == 0 ? 0 : coefficients.length / c;
    double[][] s = LinearRegressorOp.Linear.scores(op, x, coefficients, intercepts, e);
    PostTransform post = PostTransform.named(op, a.getString("post_transform", "NONE"));
    int[] best;
    if (e == 1) {
      best = new int[s.length];
      for (int i = 0; i < s.length; i++) {
        best[i] = s[i][0] > 0 ? 1 : 0;
      }
    } else {
      if (labels.size() != e) {
        throw OpException.attribute(op + " has " + labels.size() + " class labels for " + e
            + " score columns");
      }
      best = ClassLabels.argmax(s);
    }
    boolean secondColumn = e == 1 && labels.size() == 2;
    int cols = secondColumn ? 2 : e;
    for (int i = 0; i < s.length; i++) {
      post.apply(s[i], 0, e);
      if (secondColumn) {
        double p = s[i][0];
        s[i] = new double[] {1 - p, p};
      }
    }
    return List.of(binaryAware(labels, best, e), MlInputs.floats(s, cols));
  }

  /** Labels by index; a binary model without two labels answers 0 or 1 (or "0" / "1"). */
  private static Tensor binaryAware(ClassLabels labels, int[] best, int e) {
    if (e != 1 || labels.size() == 2) {
      return labels.pick(best);
    }
    Tensor any = labels.pick(new int[0]);
    if (any.dtype() == DType.STRING) {
      String[] y = new String[best.length];
      for (int i = 0; i < y.length; i++) {
        y[i] = Integer.toString(best[i]);
      }
      return Tensor.ofStrings(new int[] {y.length}, y);
    }
    long[] y = new long[best.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = best[i];
    }
    return Tensor.ofLongs(DType.INT64, new int[] {y.length}, y);
  }
}
