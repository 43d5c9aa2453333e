package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ops.OpException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the trees of TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml opsets 1 and 3)
 * into a {@link TreeForest}. There every node, leaf or not, is a {@code nodes_*} tuple named by
 * (tree id, node id); children are node ids within the tree; mode LEAF marks leaves; the votes are
 * the {@code <prefix>treeids/nodeids/ids/weights} tuples ({@code target_} or {@code class_}),
 * several per leaf allowed. A tree's root is its first node in attribute order. Thresholds and
 * weights come from the float lists or their double {@code *_as_tensor} forms (opset 3).
 */
final class LegacyTrees {
  private LegacyTrees() {}

  private static final List<String> MODES =
      List.of("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ");

  static TreeForest read(String op, Attributes a, String votePrefix) {
    long[] treeIds = MlAttrs.requiredInts(op, a, "nodes_treeids");
    long[] nodeIds = MlAttrs.requiredInts(op, a, "nodes_nodeids");
    long[] features = MlAttrs.ints(a, "nodes_featureids");
    List<String> modes = MlAttrs.strings(a, "nodes_modes");
    double[] values = MlAttrs.reals(op, a, "nodes_values");
    long[] trueIds = MlAttrs.ints(a, "nodes_truenodeids");
    long[] falseIds = MlAttrs.ints(a, "nodes_falsenodeids");
    long[] missing = MlAttrs.ints(a, "nodes_missing_value_tracks_true");
    int n = treeIds.length;
    if (modes == null || values == null) {
      throw OpException.attribute(op + " needs 'nodes_modes' and 'nodes_values'");
    }
    MlAttrs.sameLength(op, "nodes_*", n, "nodes_nodeids", nodeIds.length, "nodes_featureids",
        features.length, "nodes_modes", modes.size(), "nodes_values", values.length,
        "nodes_truenodeids", trueIds.length, "nodes_falsenodeids", falseIds.length,
        "nodes_missing_value_tracks_true", missing.length == 0 ? n : missing.length);
    // Interior nodes and leaves are numbered separately, in attribute order.
    Map<List<Long>, Integer> branchOf = new HashMap<>();
    Map<List<Long>, Integer> leafOf = new HashMap<>();
    Map<Long, List<Long>> rootOf = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      List<Long> key = List.of(treeIds[i], nodeIds[i]);
      Map<List<Long>, Integer> kind = modes.get(i).equals("LEAF") ? leafOf : branchOf;
      if (branchOf.containsKey(key) || leafOf.containsKey(key)) {
        throw OpException.attribute(op + " defines node " + nodeIds[i] + " of tree "
            + treeIds[i] + " twice");
      }
      kind.put(key, kind.size());
      rootOf.putIfAbsent(treeIds[i], key);
    }
    TreeForest.Branch[] branches = new TreeForest.Branch[branchOf.size()];
    for (int i = 0; i < n; i++) {
      String mode = modes.get(i);
      if (mode.equals("LEAF")) {
        continue;
      }
      int m = MODES.indexOf(mode);
      if (m < 0) {
        throw OpException.attribute(op + " nodes_modes[" + i + "] is '" + mode
            + "', not one of " + MODES + " or LEAF");
      }
      List<Long> t = List.of(treeIds[i], trueIds[i]);
      List<Long> f = List.of(treeIds[i], falseIds[i]);
      branches[branchOf.get(List.of(treeIds[i], nodeIds[i]))] = new TreeForest.Branch(
          (int) features[i], TreeForest.Mode.values()[m], values[i], null,
          child(op, t, branchOf, leafOf), leafOf.containsKey(t),
          child(op, f, branchOf, leafOf), leafOf.containsKey(f),
          missing.length > 0 && missing[i] != 0);
    }
    int[] roots = new int[rootOf.size()];
    boolean[] rootIsLeaf = new boolean[roots.length];
    int t = 0;
    for (List<Long> root : rootOf.values()) {
      rootIsLeaf[t] = leafOf.containsKey(root);
      roots[t++] = rootIsLeaf[t - 1] ? leafOf.get(root) : branchOf.get(root);
    }
    return votes(op, a, votePrefix, leafOf, branches, roots, rootIsLeaf);
  }

  /** Groups the vote tuples by leaf and builds the forest. */
  private static TreeForest votes(String op, Attributes a, String prefix,
      Map<List<Long>, Integer> leafOf, TreeForest.Branch[] branches, int[] roots,
      boolean[] rootIsLeaf) {
    long[] vTrees = MlAttrs.ints(a, prefix + "treeids");
    long[] vNodes = MlAttrs.ints(a, prefix + "nodeids");
    long[] vIds = MlAttrs.ints(a, prefix + "ids");
    double[] vWeights = MlAttrs.reals(op, a, prefix + "weights");
    if (vWeights == null) {
      vWeights = new double[0];
    }
    MlAttrs.sameLength(op, prefix + "*", vTrees.length, prefix + "nodeids", vNodes.length,
        prefix + "ids", vIds.length, prefix + "weights", vWeights.length);
    List<List<Integer>> byLeaf = new ArrayList<>();
    for (int l = 0; l < leafOf.size(); l++) {
      byLeaf.add(new ArrayList<>());
    }
    for (int v = 0; v < vTrees.length; v++) {
      Integer leaf = leafOf.get(List.of(vTrees[v], vNodes[v]));
      if (leaf == null) {
        throw OpException.attribute(op + " has a vote for node " + vNodes[v] + " of tree "
            + vTrees[v] + ", which is not a LEAF node");
      }
      byLeaf.get(leaf).add(v);
    }
    int[] start = new int[byLeaf.size() + 1];
    int[] target = new int[vTrees.length];
    double[] weight = new double[vTrees.length];
    int at = 0;
    for (int l = 0; l < byLeaf.size(); l++) {
      for (int v : byLeaf.get(l)) {
        target[at] = (int) vIds[v];
        weight[at++] = vWeights[v];
      }
      start[l + 1] = at;
    }
    return new TreeForest(branches, roots, rootIsLeaf, start, target, weight);
  }

  private static int child(String op, List<Long> key, Map<List<Long>, Integer> branchOf,
      Map<List<Long>, Integer> leafOf) {
    Integer i = leafOf.containsKey(key) ? leafOf.get(key) : branchOf.get(key);
    if (i == null) {
      throw OpException.attribute(op + " points to node " + key.get(1) + " of tree "
          + key.get(0) + ", which is not defined");
    }
    return i;
  }
}
