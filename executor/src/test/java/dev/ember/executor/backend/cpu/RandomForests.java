package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random tree ensembles as ai.onnx.ml nodes, for tests and benchmarks: trees of a given depth
 * over a feature grid (so that EQ/NEQ/MEMBER splits hit), written as TreeEnsemble (opset 5) or
 * as TreeEnsembleRegressor/Classifier (opset 3) attributes, and random X with NaNs.
 */
public final class RandomForests {
  /** Values features and splits are drawn from, so that equality tests are met. */
  private static final double[] GRID = {-2, -1, -0.5, 0, 0.25, 0.5, 1, 1.5, 3};

  /** One tree node: a leaf when {@code t} is null; votes are (target, weight) pairs. */
  record TNode(int feature, int mode, double split, double[] members, boolean missing, TNode t,
      TNode f, int[] targets, double[] weights) {}

  private final Random rnd;
  private final int features;
  private final int width;
  private final int maxModes;
  private final int maxVotes;

  /**
   * @param maxModes node modes drawn from 0..maxModes-1 (1 = BRANCH_LEQ only, 7 with MEMBER)
   * @param maxVotes votes per leaf drawn from 1..maxVotes (TreeEnsemble leaves have one)
   */
  public RandomForests(long seed, int features, int width, int maxModes, int maxVotes) {
    this.rnd = new Random(seed);
    this.features = features;
    this.width = width;
    this.maxModes = maxModes;
    this.maxVotes = maxVotes;
  }

  List<TNode> trees(int count, int depth) {
    List<TNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(tree(depth, true));
    }
    return out;
  }

  private TNode tree(int depth, boolean root) {
    if (depth == 0 || (!root && rnd.nextInt(8) == 0)) {
      int votes = 1 + rnd.nextInt(maxVotes);
      int[] t = new int[votes];
      double[] w = new double[votes];
      for (int v = 0; v < votes; v++) {
        t[v] = rnd.nextInt(width);
        w[v] = Math.round(rnd.nextGaussian() * 1e4) / 1e4 + rnd.nextGaussian() * 1e-3;
      }
      return new TNode(0, 0, 0, null, false, null, null, t, w);
    }
    int mode = rnd.nextInt(maxModes);
    double[] members = null;
    if (mode == 6) {
      members = new double[1 + rnd.nextInt(3)];
      for (int i = 0; i < members.length; i++) {
        members[i] = GRID[rnd.nextInt(GRID.length)];
      }
    }
    double split = rnd.nextInt(3) == 0 ? GRID[rnd.nextInt(GRID.length)]
        : (float) (rnd.nextGaussian() * 1.5);
    return new TNode(rnd.nextInt(features), mode, split, members, rnd.nextInt(4) == 0,
        tree(depth - 1, false), tree(depth - 1, false), null, null);
  }

  /** Random rows; each cell a grid value, a Gaussian, or (with {@code nanRate}) NaN. */
  public Tensor rows(int n, DType type, double nanRate) {
    double[] v = new double[n * features];
    for (int i = 0; i < v.length; i++) {
      double u = rnd.nextDouble();
      v[i] = u < nanRate ? Double.NaN : u < 0.5 ? GRID[rnd.nextInt(GRID.length)]
          : rnd.nextGaussian() * 1.5;
    }
    if (type == DType.DOUBLE) {
      return Tensor.ofDoubles(new int[] {n, features}, v);
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return Tensor.ofFloats(type, new int[] {n, features}, f);
  }

  /** TreeEnsemble (opset 5) attributes; leaves must carry one vote each. */
  static Map<String, AttrValue> ensemble(List<TNode> trees, int targets, int agg, int post) {
    List<TNode> nodes = new ArrayList<>();
    List<TNode> leaves = new ArrayList<>();
    List<Long> roots = new ArrayList<>();
    Map<TNode, Integer> nodeIx = new java.util.IdentityHashMap<>();
    Map<TNode, Integer> leafIx = new java.util.IdentityHashMap<>();
    for (TNode t : trees) {
      roots.add((long) nodes.size());
      number(t, nodes, leaves, nodeIx, leafIx);
    }
    int n = nodes.size();
    long[] feat = new long[n];
    double[] splits = new double[n];
    double[] modes = new double[n];
    long[] tIds = new long[n];
    long[] fIds = new long[n];
    long[] tLeaf = new long[n];
    long[] fLeaf = new long[n];
    long[] missing = new long[n];
    List<Double> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TNode b = nodes.get(i);
      feat[i] = b.feature;
      splits[i] = b.split;
      modes[i] = b.mode;
      missing[i] = b.missing ? 1 : 0;
      tLeaf[i] = b.t.t == null ? 1 : 0;
      fLeaf[i] = b.f.t == null ? 1 : 0;
      tIds[i] = b.t.t == null ? leafIx.get(b.t) : nodeIx.get(b.t);
      fIds[i] = b.f.t == null ? leafIx.get(b.f) : nodeIx.get(b.f);
      if (b.members != null) {
        if (!members.isEmpty()) {
          members.add(Double.NaN);
        }
        Arrays.stream(b.members).forEach(members::add);
      }
    }
    long[] lt = new long[leaves.size()];
    double[] lw = new double[leaves.size()];
    for (int l = 0; l < lt.length; l++) {
      lt[l] = leaves.get(l).targets[0];
      lw[l] = leaves.get(l).weights[0];
    }
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("nodes_featureids", ints(feat));
    a.put("nodes_splits", floatTensor(splits));
    a.put("nodes_modes", new AttrValue.TensorAttr(Tensor.ofLongs(DType.UINT8,
        new int[] {n}, Arrays.stream(modes).mapToLong(d -> (long) d).toArray())));
    a.put("nodes_truenodeids", ints(tIds));
    a.put("nodes_falsenodeids", ints(fIds));
    a.put("nodes_trueleafs", ints(tLeaf));
    a.put("nodes_falseleafs", ints(fLeaf));
    a.put("nodes_missing_value_tracks_true", ints(missing));
    if (!members.isEmpty()) {
      a.put("membership_values",
          floatTensor(members.stream().mapToDouble(Double::doubleValue).toArray()));
    }
    a.put("leaf_targetids", ints(lt));
    a.put("leaf_weights", floatTensor(lw));
    a.put("tree_roots", ints(roots.stream().mapToLong(Long::longValue).toArray()));
    a.put("n_targets", new AttrValue.IntAttr(targets));
    a.put("aggregate_function", new AttrValue.IntAttr(agg));
    a.put("post_transform", new AttrValue.IntAttr(post));
    return a;
  }

  private static void number(TNode t, List<TNode> nodes, List<TNode> leaves,
      Map<TNode, Integer> nodeIx, Map<TNode, Integer> leafIx) {
    if (t.t == null) {
      leafIx.put(t, leaves.size());
      leaves.add(t);
      return;
    }
    nodeIx.put(t, nodes.size());
    nodes.add(t);
    number(t.t, nodes, leaves, nodeIx, leafIx);
    number(t.f, nodes, leaves, nodeIx, leafIx);
  }

  private static final List<String> LEGACY_MODES =
      List.of("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ");

  /**
   * TreeEnsembleRegressor/Classifier (opset 3) attributes with vote prefix {@code prefix}
   * ("target_" or "class_"); thresholds and weights as doubles ({@code *_as_tensor}) or floats.
   */
  static Map<String, AttrValue> legacy(List<TNode> trees, String prefix, boolean doubles) {
    List<long[]> rows = new ArrayList<>(); // tree, node, feature, mode, true, false, missing
    List<Double> values = new ArrayList<>();
    List<long[]> votes = new ArrayList<>(); // tree, node, id
    List<Double> weights = new ArrayList<>();
    for (int t = 0; t < trees.size(); t++) {
      legacyNode(t, trees.get(t), new int[] {0}, rows, values, votes, weights);
    }
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("nodes_treeids", ints(column(rows, 0)));
    a.put("nodes_nodeids", ints(column(rows, 1)));
    a.put("nodes_featureids", ints(column(rows, 2)));
    List<String> modes = new ArrayList<>();
    for (long[] r : rows) {
      modes.add(r[3] < 0 ? "LEAF" : LEGACY_MODES.get((int) r[3]));
    }
    a.put("nodes_modes", new AttrValue.StringsAttr(modes));
    reals(a, "nodes_values", values, doubles);
    a.put("nodes_truenodeids", ints(column(rows, 4)));
    a.put("nodes_falsenodeids", ints(column(rows, 5)));
    a.put("nodes_missing_value_tracks_true", ints(column(rows, 6)));
    a.put(prefix + "treeids", ints(column(votes, 0)));
    a.put(prefix + "nodeids", ints(column(votes, 1)));
    a.put(prefix + "ids", ints(column(votes, 2)));
    reals(a, prefix + "weights", weights, doubles);
    return a;
  }

  private static long legacyNode(int tree, TNode n, int[] next, List<long[]> rows,
      List<Double> values, List<long[]> votes, List<Double> weights) {
    long id = next[0]++;
    long[] row = {tree, id, n.feature, n.t == null ? -1 : n.mode, 0, 0, n.missing ? 1 : 0};
    rows.add(row);
    values.add(n.split);
    if (n.t == null) {
      for (int v = 0; v < n.targets.length; v++) {
        votes.add(new long[] {tree, id, n.targets[v]});
        weights.add(n.weights[v]);
      }
    } else {
      row[4] = legacyNode(tree, n.t, next, rows, values, votes, weights);
      row[5] = legacyNode(tree, n.f, next, rows, values, votes, weights);
    }
    return id;
  }

  private static long[] column(List<long[]> rows, int c) {
    return rows.stream().mapToLong(r -> r[c]).toArray();
  }

  private static void reals(Map<String, AttrValue> a, String name, List<Double> v,
      boolean doubles) {
    double[] d = v.stream().mapToDouble(Double::doubleValue).toArray();
    if (doubles) {
      a.put(name + "_as_tensor", new AttrValue.TensorAttr(Tensor.ofDoubles(
          new int[] {d.length}, d)));
    } else {
      List<Float> f = new ArrayList<>();
      for (double x : d) {
        f.add((float) x);
      }
      a.put(name, new AttrValue.FloatsAttr(f));
    }
  }

  static AttrValue ints(long[] v) {
    return new AttrValue.IntsAttr(Arrays.stream(v).boxed().toList());
  }

  static AttrValue floatTensor(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return new AttrValue.TensorAttr(Tensor.ofFloats(new int[] {v.length}, f));
  }

  /** The node with input X and outputs Y (and Z for classifiers). */
  static Node node(String opType, int opset, Map<String, AttrValue> attrs) {
    List<String> outs = opType.endsWith("Classifier") ? List.of("Y", "Z") : List.of("Y");
    return new Node("trees", opType, OpRegistry.ML_DOMAIN, opset, List.of("X"), outs,
        Attributes.of(attrs));
  }

  /** A one-node graph over X [rows, features] of {@code type}, with inferred output types. */
  static Graph graph(Node n, DType type, int rows, int features) {
    TensorType x = new TensorType(type, Shape.of(List.of(Dim.fixed(rows), Dim.fixed(features))));
    List<TensorType> outs = OpRegistry.standard().lookup(n).inferTypes(
        new TypeContext(n, List.of(x), Collections.singletonList(null)));
    Map<String, TensorType> types = new LinkedHashMap<>();
    types.put("X", x);
    List<ValueInfo> outputs = new ArrayList<>();
    for (int i = 0; i < outs.size(); i++) {
      types.put(n.outputs().get(i), outs.get(i));
      outputs.add(new ValueInfo(n.outputs().get(i), outs.get(i)));
    }
    return new Graph("forest", List.of(n), List.of(new ValueInfo("X", x)), outputs, Map.of(),
        types, Map.of("", 17, OpRegistry.ML_DOMAIN, n.opset()));
  }
}
