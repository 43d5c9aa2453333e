package dev.ember.executor.ops.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tree ops against expectations worked out by hand from the ONNX operator specs
 * (docs/Operators-ml.md: TreeEnsembleRegressor, TreeEnsembleClassifier, TreeEnsemble): node modes
 * BRANCH_LEQ/LT/GTE/GT/EQ/NEQ/MEMBER, missing-value tracks, aggregate functions, base values and
 * post transforms. ONNX ships no node test for the opset 1/3 ops.
 */
class TreeEnsembleOpsTest {
  static final double[][] ROWS = {{0, 0}, {2, 5}, {1, 5}};

  /**
   * Tree 0: x0 <= 0.5 ? 1 : 3. Tree 1: x1 < 2 ? 10 : (x0 > 1 ? 20 : 30). Rows (0,0), (2,5), (1,5)
   * reach (1, 10), (3, 20), (3, 30).
   */
  static MlNodes twoTrees(String aggregate) {
    return MlNodes.op("TreeEnsembleRegressor", 3)
        .ints("nodes_treeids", 0, 0, 0, 1, 1, 1, 1, 1)
        .ints("nodes_nodeids", 0, 1, 2, 0, 1, 2, 3, 4)
        .ints("nodes_featureids", 0, 0, 0, 1, 0, 0, 0, 0)
        .strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "BRANCH_GT",
            "LEAF", "LEAF")
        .floats("nodes_values", 0.5, 0, 0, 2, 0, 1, 0, 0)
        .ints("nodes_truenodeids", 1, 0, 0, 1, 0, 3, 0, 0)
        .ints("nodes_falsenodeids", 2, 0, 0, 2, 0, 4, 0, 0)
        .ints("target_treeids", 0, 0, 1, 1, 1)
        .ints("target_nodeids", 1, 2, 1, 3, 4)
        .ints("target_ids", 0, 0, 0, 0, 0)
        .floats("target_weights", 1, 3, 10, 20, 30)
        .i("n_targets", 1)
        .s("aggregate_function", aggregate);
  }

  @Test
  void regressorAggregatesSumAverageMinMax() {
    assertArrayEquals(new double[] {11, 23, 33}, out(twoTrees("SUM").run(ROWS)));
    assertArrayEquals(new double[] {5.5, 11.5, 16.5}, out(twoTrees("AVERAGE").run(ROWS)));
    assertArrayEquals(new double[] {1, 3, 3}, out(twoTrees("MIN").run(ROWS)));
    assertArrayEquals(new double[] {10, 20, 30}, out(twoTrees("MAX").run(ROWS)));
  }

  @Test
  void regressorAddsBaseValuesAfterAggregatingThenTransforms() {
    assertArrayEquals(new double[] {105.5, 111.5, 116.5},
        out(twoTrees("AVERAGE").floats("base_values", 100).run(ROWS)));
    double[] got = out(twoTrees("SUM").floats("base_values", -11).s("post_transform", "LOGISTIC")
        .run(ROWS));
    assertArrayEquals(new double[] {0.5, 1 / (1 + Math.exp(-12)), 1 / (1 + Math.exp(-22))}, got,
        1e-6);
  }

  @Test
  void missingValuesFollowTheirTrackOnlyWhereSet() {
    double[][] nan = {{Double.NaN, 0}};
    // NaN <= 0.5 is false: tree 0 gives 3 unless its root tracks missing values to true (1).
    assertArrayEquals(new double[] {13}, out(twoTrees("SUM").run(nan)));
    assertArrayEquals(new double[] {11}, out(twoTrees("SUM")
        .ints("nodes_missing_value_tracks_true", 1, 0, 0, 0, 0, 0, 0, 0).run(nan)));
  }

  @Test
  void everyLegacyBranchModeComparesAsNamed() {
    String[] modes = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ",
        "BRANCH_NEQ"};
    double[][] want = {{1, 1, 0}, {1, 0, 0}, {0, 1, 1}, {0, 0, 1}, {0, 1, 0}, {1, 0, 1}};
    for (int m = 0; m < modes.length; m++) {
      MlNodes n = MlNodes.op("TreeEnsembleRegressor", 1)
          .ints("nodes_treeids", 0, 0, 0).ints("nodes_nodeids", 0, 1, 2)
          .ints("nodes_featureids", 0, 0, 0).strings("nodes_modes", modes[m], "LEAF", "LEAF")
          .floats("nodes_values", 2, 0, 0).ints("nodes_truenodeids", 1, 0, 0)
          .ints("nodes_falsenodeids", 2, 0, 0).ints("target_treeids", 0)
          .ints("target_nodeids", 1).ints("target_ids", 0).floats("target_weights", 1)
          .i("n_targets", 1);
      assertArrayEquals(want[m], out(n.run(new double[][] {{1}, {2}, {3}})), modes[m]);
    }
  }

  @Test
  void asTensorAttributesKeepDoublePrecision() {
    // 0.1000000005 lies between the double 0.1 and the float 0.1f = 0.10000000149.
    Tensor x = Tensor.ofDoubles(new int[] {1, 1}, new double[] {0.1000000005});
    MlNodes n = MlNodes.op("TreeEnsembleRegressor", 3)
        .ints("nodes_treeids", 0, 0, 0).ints("nodes_nodeids", 0, 1, 2)
        .ints("nodes_featureids", 0, 0, 0).strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF")
        .ints("nodes_truenodeids", 1, 0, 0).ints("nodes_falsenodeids", 2, 0, 0)
        .ints("target_treeids", 0, 0).ints("target_nodeids", 1, 2).ints("target_ids", 0, 0)
        .doubles("target_weights_as_tensor", 1, 2).i("n_targets", 1);
    assertArrayEquals(new double[] {2}, out(n.doubles("nodes_values_as_tensor", 0.1, 0, 0).run(x)));
    MlNodes f = MlNodes.op("TreeEnsembleRegressor", 3)
        .ints("nodes_treeids", 0, 0, 0).ints("nodes_nodeids", 0, 1, 2)
        .ints("nodes_featureids", 0, 0, 0).strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF")
        .ints("nodes_truenodeids", 1, 0, 0).ints("nodes_falsenodeids", 2, 0, 0)
        .ints("target_treeids", 0, 0).ints("target_nodeids", 1, 2).ints("target_ids", 0, 0)
        .doubles("target_weights_as_tensor", 1, 2).i("n_targets", 1)
        .floats("nodes_values", 0.1, 0, 0);
    assertArrayEquals(new double[] {1}, out(f.run(x)));
  }

  /** x0 <= 0 ? (class 0: 1, class 2: 0.5) : (class 1: 2). */
  static MlNodes threeClasses() {
    return MlNodes.op("TreeEnsembleClassifier", 1)
        .ints("nodes_treeids", 0, 0, 0).ints("nodes_nodeids", 0, 1, 2)
        .ints("nodes_featureids", 0, 0, 0).strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF")
        .floats("nodes_values", 0, 0, 0).ints("nodes_truenodeids", 1, 0, 0)
        .ints("nodes_falsenodeids", 2, 0, 0)
        .ints("class_treeids", 0, 0, 0).ints("class_nodeids", 1, 1, 2)
        .ints("class_ids", 0, 2, 1).floats("class_weights", 1, 0.5, 2);
  }

  @Test
  void classifierPicksTheTopClassLabelInt64OrString() {
    double[][] rows = {{-1}, {1}};
    List<Tensor> ints = threeClasses().ints("classlabels_int64s", 10, 20, 30).run(rows);
    assertEquals(DType.INT64, ints.get(0).dtype());
    assertArrayEquals(new long[] {10, 20}, ints.get(0).rawLongs());
    assertArrayEquals(new double[] {1, 0, 0.5, 0, 2, 0}, out(ints.get(1)));
    List<Tensor> strings = threeClasses().strings("classlabels_strings", "a", "b", "c").run(rows);
    assertArrayEquals(new String[] {"a", "b"}, strings.get(0).rawStrings());
    // base values are added to the class scores: class 2 wins the first row with 0.5 + 3.
    List<Tensor> based = threeClasses().ints("classlabels_int64s", 10, 20, 30)
        .floats("base_values", 0, 0, 3).run(rows);
    assertArrayEquals(new long[] {30, 30}, based.get(0).rawLongs());
  }

  @Test
  void classifierSoftmaxNormalisesTheScores() {
    List<Tensor> r = threeClasses().ints("classlabels_int64s", 0, 1, 2)
        .s("post_transform", "SOFTMAX").run(new double[][] {{-1}});
    double sum = Math.exp(1) + Math.exp(0) + Math.exp(0.5);
    assertArrayEquals(new double[] {Math.exp(1) / sum, 1 / sum, Math.exp(0.5) / sum},
        out(r.get(1)), 1e-6);
  }

  @Test
  void binaryClassifierFillsTheNegativeColumn() {
    MlNodes n = MlNodes.op("TreeEnsembleClassifier", 1)
        .ints("nodes_treeids", 0, 0, 0).ints("nodes_nodeids", 0, 1, 2)
        .ints("nodes_featureids", 0, 0, 0).strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF")
        .floats("nodes_values", 0, 0, 0).ints("nodes_truenodeids", 1, 0, 0)
        .ints("nodes_falsenodeids", 2, 0, 0)
        .ints("class_treeids", 0, 0).ints("class_nodeids", 1, 2).ints("class_ids", 0, 0)
        .floats("class_weights", 0.25, 0.75).ints("classlabels_int64s", 0, 1);
    List<Tensor> none = n.run(new double[][] {{-1}, {1}});
    assertArrayEquals(new long[] {0, 1}, none.get(0).rawLongs());
    assertArrayEquals(new double[] {0.75, 0.25, 0.25, 0.75}, out(none.get(1)), 1e-7);
    List<Tensor> logistic = n.s("post_transform", "LOGISTIC").run(new double[][] {{1}});
    double p = 1 / (1 + Math.exp(-0.75));
    assertArrayEquals(new double[] {1 - p, p}, out(logistic.get(1)), 1e-6);
  }

  /**
   * TreeEnsemble (opset 5), two trees over X [N, 2]. Tree 0: root node 0 is x0 in {1, 3} ? leaf 0
   * (4) : node 1, x1 <= 0 ? leaf 1 (5) : leaf 2 (6). Tree 1: root node 2 is x0 > 2 with both
   * children leaf 3 (8) when true and leaf 4 (1) when false.
   */
  static MlNodes v5(long aggregate) {
    return MlNodes.op("TreeEnsemble", 5)
        .ints("nodes_featureids", 0, 1, 0)
        .floatTensor("nodes_splits", 0, 0, 2)
        .bytes("nodes_modes", 6, 0, 3)
        .floatTensor("membership_values", 1, 3, Double.NaN)
        .ints("nodes_truenodeids", 0, 1, 3).ints("nodes_trueleafs", 1, 1, 1)
        .ints("nodes_falsenodeids", 1, 2, 4).ints("nodes_falseleafs", 0, 1, 1)
        .ints("leaf_targetids", 0, 0, 0, 0, 0)
        .floatTensor("leaf_weights", 4, 5, 6, 8, 1)
        .ints("tree_roots", 0, 2)
        .i("n_targets", 1).i("aggregate_function", aggregate);
  }

  @Test
  void treeEnsembleFiveAggregatesMembersAndMissingValues() {
    double[][] rows = {{3, 9}, {2, -1}, {5, 1}, {Double.NaN, 1}};
    // leaves reached: (4, 8), (5, 1), (6, 8), (6, 1); NaN is in no set and not > 2
    assertArrayEquals(new double[] {12, 6, 14, 7}, out(v5(1).run(rows)));
    assertArrayEquals(new double[] {6, 3, 7, 3.5}, out(v5(0).run(rows)));
    assertArrayEquals(new double[] {4, 1, 6, 1}, out(v5(2).run(rows)));
    assertArrayEquals(new double[] {8, 5, 8, 6}, out(v5(3).run(rows)));
    // a NaN x0 takes the member node's true branch only where its track says so
    assertArrayEquals(new double[] {5},
        out(v5(1).ints("nodes_missing_value_tracks_true", 1, 0, 0)
            .run(new double[][] {{Double.NaN, 1}})));
  }

  @Test
  void treeEnsembleFivePostTransformsByNumber() {
    // leaves (0, 3), (1, 4), (2, 3) sum to 0.5, 0.7 and 0.8413447: normal quantiles 0, 0.5244, 1
    MlNodes n = v5(1).floatTensor("leaf_weights", 0.25, 0.5, 0.5913447460685429, 0.25, 0.2)
        .i("post_transform", 4);
    assertArrayEquals(new double[] {0, 0.5244005127080407, 1},
        out(n.run(new double[][] {{3, 9}, {2, -1}, {5, 1}})), 2e-6);
    double[] logistic = out(v5(1).i("post_transform", 2).run(new double[][] {{3, 9}}));
    assertArrayEquals(new double[] {1 / (1 + Math.exp(-12))}, logistic, 1e-6);
  }

  @Test
  void brokenTreesFailWithAttributeErrors() {
    OpException e = assertThrows(OpException.class,
        () -> v5(1).ints("tree_roots", 0, 7).run(new double[][] {{1, 1}}));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, e.code());
    OpException modes = assertThrows(OpException.class,
        () -> v5(1).bytes("nodes_modes", 6, 9, 3).run(new double[][] {{1, 1}}));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, modes.code());
  }

  static double[] out(List<Tensor> t) {
    return MlNodes.values(t.get(0));
  }

  static double[] out(Tensor t) {
    return MlNodes.values(t);
  }
}
