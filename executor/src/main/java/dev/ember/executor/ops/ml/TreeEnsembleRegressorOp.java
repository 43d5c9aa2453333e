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
 * ai.onnx.ml {@code TreeEnsembleRegressor} (opsets 1 and 3; deprecated by TreeEnsemble in 5):
 * Y [N, n_targets] float = post_transform(aggregate of the reached leaves' {@code target_*} votes
 * + base_values). {@code aggregate_function} is SUM (default), AVERAGE (the sum over the number of
 * trees), MIN or MAX; base values are added after aggregating, as the ONNX operator spec says.
 * Trees are read by {@link LegacyTrees}.
 */
final class TreeEnsembleRegressorOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("TreeEnsembleRegressor")
          .domain(MlOps.DOMAIN)
          .since(1, 3)
          .types(MlInputs.NUMERIC)
          .summary("tree ensemble regression [N, n_targets]: SUM/AVERAGE/MIN/MAX, base values")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    long targets = ctx.attrs().getInt("n_targets", 1);
    return Infer.one(MlInputs.matrix(DType.FLOAT, MlInputs.batch(ctx.type(0)), targets));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    String op = "TreeEnsembleRegressor";
    var a = ctx.attrs();
    int targets = (int) a.getInt("n_targets", 1);
    TreeForest forest = LegacyTrees.read(op, a, "target_");
    if (targets <= forest.maxTarget()) {
      throw OpException.attribute(op + " n_targets is " + targets + " but a leaf votes for"
          + " target " + forest.maxTarget());
    }
    TreeForest.Aggregate agg = aggregate(a.getString("aggregate_function", "SUM"));
    double[][] rows = MlInputs.rows(op, ctx.required(0));
    double[] y = forest.scores(rows, targets, agg);
    double[] base = MlAttrs.reals(op, a, "base_values");
    if (base != null && base.length != targets) {
      throw OpException.attribute(op + " has " + base.length + " base_values for " + targets
          + " targets");
    }
    PostTransform post = PostTransform.named(op, a.getString("post_transform", "NONE"));
    return List.of(TreeFinish.regressor(y, rows.length, targets, base, post.ordinal()));
  }

  static TreeForest.Aggregate aggregate(String name) {
    for (TreeForest.Aggregate g : TreeForest.Aggregate.values()) {
      if (g.name().equals(name)) {
        return g;
      }
    }
    throw OpException.attribute("TreeEnsembleRegressor aggregate_function '" + name
        + "' is not one of SUM, AVERAGE, MIN, MAX");
  }
}
