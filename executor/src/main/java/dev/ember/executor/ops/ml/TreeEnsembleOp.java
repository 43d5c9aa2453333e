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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ai.onnx.ml {@code TreeEnsemble} (opset 5): the regressed values [N, n_targets] of a tree
 * ensemble over X [N, F]. Interior nodes are the {@code nodes_*} tuples, each child either a node
 * index or, where {@code nodes_trueleafs}/{@code nodes_falseleafs} say so, a leaf index into the
 * {@code leaf_*} tuples; {@code tree_roots} are node indices. Modes 0..6 are BRANCH_LEQ, LT, GTE,
 * GT, EQ, NEQ and MEMBER, whose sets are the NaN-separated runs of {@code membership_values}, one
 * per MEMBER node in node order. NaN features follow {@code nodes_missing_value_tracks_true} where
 * set. {@code aggregate_function} 0..3 is AVERAGE, SUM (default), MIN, MAX, then
 * {@code post_transform} 0..4 (NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT). Y has X's type.
 */
final class TreeEnsembleOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("TreeEnsemble")
          .domain(MlOps.DOMAIN)
          .since(5)
          .types(DType.FLOAT, DType.DOUBLE, DType.FLOAT16)
          .summary("tree ensemble regression [N, n_targets], set membership splits")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    if (x == null) {
      return Infer.one(null);
    }
    long targets = ctx.attrs().getInt("n_targets", 0);
    return Infer.one(MlInputs.matrix(x.dtype(), MlInputs.batch(x), targets));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    if (!SPEC.types().contains(x.dtype())) {
      throw OpException.dtype("TreeEnsemble does not take X of element type "
          + x.dtype().onnxLowerName() + " (it takes float, double, float16)");
    }
    var a = ctx.attrs();
    int targets = (int) a.getInt("n_targets", 0);
    if (targets <= 0) {
      throw OpException.attribute("TreeEnsemble needs n_targets >= 1, got " + targets);
    }
    TreeForest forest = forest(a);
    double[][] rows = MlInputs.rows("TreeEnsemble", x);
    double[] y = forest.scores(rows, targets,
        TreeForest.Aggregate.values()[aggregate(a.getInt("aggregate_function", 1))]);
    PostTransform post = PostTransform.numbered("TreeEnsemble", a.getInt("post_transform", 0));
    return List.of(TreeFinish.ensemble(y, rows.length, targets, post.ordinal(), x.dtype()));
  }

  static int aggregate(long code) {
    if (code < 0 || code > 3) {
      throw OpException.attribute("TreeEnsemble aggregate_function " + code
          + " is not one of 0 (AVERAGE), 1 (SUM), 2 (MIN), 3 (MAX)");
    }
    return (int) code;
  }

  static TreeForest forest(dev.ember.executor.ir.Attributes a) {
    String op = "TreeEnsemble";
    long[] features = MlAttrs.requiredInts(op, a, "nodes_featureids");
    double[] splits = MlAttrs.tensor(a, "nodes_splits");
    double[] modes = MlAttrs.tensor(a, "nodes_modes");
    long[] trueIds = MlAttrs.requiredInts(op, a, "nodes_truenodeids");
    long[] falseIds = MlAttrs.requiredInts(op, a, "nodes_falsenodeids");
    long[] trueLeafs = MlAttrs.requiredInts(op, a, "nodes_trueleafs");
    long[] falseLeafs = MlAttrs.requiredInts(op, a, "nodes_falseleafs");
    long[] missing = MlAttrs.ints(a, "nodes_missing_value_tracks_true");
    int n = features.length;
    if (splits == null || modes == null) {
      throw OpException.attribute(op + " needs the tensor attributes 'nodes_splits' and"
          + " 'nodes_modes'");
    }
    MlAttrs.sameLength(op, "nodes_*", n, "nodes_splits", splits.length, "nodes_modes",
        modes.length, "nodes_truenodeids", trueIds.length, "nodes_falsenodeids", falseIds.length,
        "nodes_trueleafs", trueLeafs.length, "nodes_falseleafs", falseLeafs.length,
        "nodes_missing_value_tracks_true", missing.length == 0 ? n : missing.length);
    List<double[]> sets = memberSets(MlAttrs.tensor(a, "membership_values"));
    int nextSet = 0;
    TreeForest.Branch[] branches = new TreeForest.Branch[n];
    for (int i = 0; i < n; i++) {
      int m = (int) modes[i];
      if (m < 0 || m > 6) {
        throw OpException.attribute(op + " nodes_modes[" + i + "] is " + m
            + ", not one of 0..6 (BRANCH_LEQ .. BRANCH_MEMBER)");
      }
      TreeForest.Mode mode = TreeForest.Mode.values()[m];
      double[] members = null;
      if (mode == TreeForest.Mode.MEMBER) {
        if (nextSet >= sets.size()) {
          throw OpException.attribute(op + " has more BRANCH_MEMBER nodes than sets in"
              + " membership_values");
        }
        members = sets.get(nextSet++);
      }
      branches[i] = new TreeForest.Branch((int) features[i], mode, splits[i], members,
          (int) trueIds[i], trueLeafs[i] != 0, (int) falseIds[i], falseLeafs[i] != 0,
          missing.length > 0 && missing[i] != 0);
    }
    long[] targets = MlAttrs.requiredInts(op, a, "leaf_targetids");
    double[] weights = MlAttrs.tensor(a, "leaf_weights");
    if (weights == null) {
      throw OpException.attribute(op + " needs the tensor attribute 'leaf_weights'");
    }
    MlAttrs.sameLength(op, "leaf_*", targets.length, "leaf_weights", weights.length);
    int[] leafStart = new int[targets.length + 1];
    int[] voteTarget = new int[targets.length];
    for (int l = 0; l < targets.length; l++) {
      leafStart[l + 1] = l + 1;
      voteTarget[l] = (int) targets[l];
    }
    long[] roots = MlAttrs.requiredInts(op, a, "tree_roots");
    return new TreeForest(branches, Arrays.stream(roots).mapToInt(r -> (int) r).toArray(),
        new boolean[roots.length], leafStart, voteTarget, weights);
  }

  /** The NaN-separated runs of membership_values, each sorted for lookup. */
  private static List<double[]> memberSets(double[] values) {
    List<double[]> sets = new ArrayList<>();
    if (values == null) {
      return sets;
    }
    int start = 0;
    for (int i = 0; i <= values.length; i++) {
      if (i == values.length || Double.isNaN(values[i])) {
        if (i < values.length || i > start) {
          double[] s = Arrays.copyOfRange(values, start, i);
          Arrays.sort(s);
          sets.add(s);
        }
        start = i + 1;
      }
    }
    return sets;
  }
}
