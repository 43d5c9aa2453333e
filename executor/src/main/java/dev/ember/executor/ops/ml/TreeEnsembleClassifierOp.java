package dev.ember.executor.ops.ml;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Attributes;
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
import java.util.List;

/**
 * ai.onnx.ml {@code TreeEnsembleClassifier} (opsets 1 and 3; deprecated in 5): per row, class
 * scores Z = base_values + the sum of the reached leaves' {@code class_*} votes, then
 * post_transform; Y = the label of the largest score, int64 or string as the model's
 * {@code classlabels_*} are. Trees are read by {@link LegacyTrees}.
 *
 * <p>Binary models, whose votes all name one class (gradient boosting exports), follow ONNX's
 * reference implementation: that class's score s goes to column 1, and column 0 becomes 1 - s
 * (post_transform NONE or PROBIT) or -s (the others), before the transform; with a single label
 * the scores still get both columns and Y is that label where column 1 wins, else 0.
 */
final class TreeEnsembleClassifierOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("TreeEnsembleClassifier")
          .domain(MlOps.DOMAIN)
          .since(1, 3)
          .types(MlInputs.NUMERIC)
          .summary("tree ensemble classification: labels (int64 or string) and [N, E] scores")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    Dim batch = MlInputs.batch(ctx.type(0));
    DType labels = ClassLabels.type(ctx.attrs(), "classlabels_int64s");
    return List.of(
        new TensorType(labels, batch == null ? Shape.unknownRank() : Shape.of(List.of(batch))),
        new TensorType(DType.FLOAT, batch == null ? Shape.unknownRank()
            : Shape.of(List.of(batch, scoreColumns(ctx.attrs())))));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    String op = "TreeEnsembleClassifier";
    var a = ctx.attrs();
    ClassLabels labels = ClassLabels.read(op, a, "classlabels_int64s");
    int classes = labels.size();
    TreeForest forest = LegacyTrees.read(op, a, "class_");
    if (forest.maxTarget() >= classes) {
      throw OpException.attribute(op + " has " + classes + " class labels but a leaf votes for"
          + " class " + forest.maxTarget());
    }
    double[][] rows = MlInputs.rows(op, ctx.required(0));
    double[] z = forest.scores(rows, classes, TreeForest.Aggregate.SUM);
    double[] base = MlAttrs.reals(op, a, "base_values");
    if (base != null && base.length != classes) {
      throw OpException.attribute(op + " has " + base.length + " base_values for " + classes
          + " classes");
    }
    PostTransform post = PostTransform.named(op, a.getString("post_transform", "NONE"));
    int binaryClass = binaryClass(MlAttrs.ints(a, "class_ids"));
    return List.of(TreeFinish.classifier(z, rows.length, classes, base, post.ordinal(),
        binaryClass, labels.ints(), labels.strings()));
  }

  private static Dim scoreColumns(Attributes a) {
    long[] ints = a.getInts("classlabels_int64s");
    List<String> strings = MlAttrs.strings(a, "classlabels_strings");
    int classes = ints != null ? ints.length : strings != null ? strings.size() : 0;
    boolean binary = binaryClass(MlAttrs.ints(a, "class_ids")) >= 0;
    return Dim.fixed(binary ? Math.max(2, classes) : classes);
  }

  /** The class every vote names, or -1 when they name several (or none). */
  static int binaryClass(long[] classIds) {
    if (classIds.length == 0) {
      return -1;
    }
    for (long c : classIds) {
      if (c != classIds[0]) {
        return -1;
      }
    }
    return (int) classIds[0];
  }

  /** One int64 label: it where column 1 wins, else 0; a single string label has no "else". */
  static Tensor singleLabel(String op, ClassLabels labels, int[] best) {
    Tensor only = labels.pick(new int[best.length]);
    if (only.dtype() == DType.STRING) {
      throw new OpException(ErrorCode.UNSUPPORTED_OP,
          op + " with a single string class label has no label for the other class",
          "export the classifier with both class labels");
    }
    long[] y = only.rawLongs().clone();
    for (int i = 0; i < y.length; i++) {
      y[i] = best[i] == 1 ? y[i] : 0;
    }
    return Tensor.ofLongs(DType.INT64, new int[] {y.length}, y);
  }
}
