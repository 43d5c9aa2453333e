package dev.ember.bench;

import dev.ember.executor.ir.DType;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorShapeProto;
import dev.ember.executor.onnx.wire.OnnxWire.TypeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ValueInfoProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A random gradient-boosting-like forest, as a TreeEnsembleRegressor (ai.onnx.ml opset 3) model
 * the way XGBoost exports it: BRANCH_LT splits, missing values tracked to one side, one vote per
 * leaf, SUM plus a base value. Trees are full to {@code depth} except that a branch stops early
 * with probability 1/10.
 */
final class TreeBenchForest {
  final int trees;
  final int depth;
  final int features;
  /** Per node (global index): feature, threshold, children (a leaf child is ~leafIndex). */
  final List<Integer> feature = new ArrayList<>();
  final List<Float> threshold = new ArrayList<>();
  final List<Integer> left = new ArrayList<>();
  final List<Integer> right = new ArrayList<>();
  final List<Boolean> missingLeft = new ArrayList<>();
  final List<Float> leafValue = new ArrayList<>();
  final int[] roots;
  private final Random rnd;

  TreeBenchForest(long seed, int trees, int depth, int features) {
    this.trees = trees;
    this.depth = depth;
    this.features = features;
    this.rnd = new Random(seed);
    this.roots = new int[trees];
    for (int t = 0; t < trees; t++) {
      roots[t] = grow(depth);
    }
  }

  /** Returns the node index, or ~leaf for a leaf. */
  private int grow(int d) {
    if (d == 0 || (d < depth && rnd.nextInt(10) == 0)) {
      leafValue.add((float) (rnd.nextGaussian() * 0.1));
      return ~(leafValue.size() - 1);
    }
    int i = feature.size();
    feature.add(rnd.nextInt(features));
    threshold.add((float) rnd.nextGaussian());
    missingLeft.add(rnd.nextBoolean());
    left.add(0);
    right.add(0);
    int l = grow(d - 1);
    int r = grow(d - 1);
    left.set(i, l);
    right.set(i, r);
    return i;
  }

  /** The model: X float [N, features] -> Y float [N, 1]. */
  byte[] onnx() {
    List<Long> treeIds = new ArrayList<>();
    List<Long> nodeIds = new ArrayList<>();
    List<Long> featureIds = new ArrayList<>();
    List<String> modes = new ArrayList<>();
    List<Float> values = new ArrayList<>();
    List<Long> trueIds = new ArrayList<>();
    List<Long> falseIds = new ArrayList<>();
    List<Long> missing = new ArrayList<>();
    List<Long> vTree = new ArrayList<>();
    List<Long> vNode = new ArrayList<>();
    List<Float> vWeight = new ArrayList<>();
    for (int t = 0; t < trees; t++) {
      long[] next = {0};
      write(t, roots[t], next, treeIds, nodeIds, featureIds, modes, values, trueIds, falseIds,
          missing, vTree, vNode, vWeight);
    }
    NodeProto.Builder n = NodeProto.newBuilder().setName("forest")
        .setOpType("TreeEnsembleRegressor").setDomain("ai.onnx.ml")
        .addInput("X").addOutput("Y");
    n.addAttribute(ints("nodes_treeids", treeIds));
    n.addAttribute(ints("nodes_nodeids", nodeIds));
    n.addAttribute(ints("nodes_featureids", featureIds));
    n.addAttribute(AttributeProto.newBuilder().setName("nodes_modes")
        .setType(AttributeProto.AttributeType.STRINGS).addAllStrings(
            modes.stream().map(com.google.protobuf.ByteString::copyFromUtf8).toList()));
    n.addAttribute(floats("nodes_values", values));
    n.addAttribute(ints("nodes_truenodeids", trueIds));
    n.addAttribute(ints("nodes_falsenodeids", falseIds));
    n.addAttribute(ints("nodes_missing_value_tracks_true", missing));
    n.addAttribute(ints("target_treeids", vTree));
    n.addAttribute(ints("target_nodeids", vNode));
    n.addAttribute(ints("target_ids", vTree.stream().map(x -> 0L).toList()));
    n.addAttribute(floats("target_weights", vWeight));
    n.addAttribute(floats("base_values", List.of(0.5f)));
    n.addAttribute(AttributeProto.newBuilder().setName("n_targets")
        .setType(AttributeProto.AttributeType.INT).setI(1));
    GraphProto g = GraphProto.newBuilder().setName("forest").addNode(n)
        .addInput(valueInfo("X", features)).addOutput(valueInfo("Y", 1)).build();
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("ember-bench")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
        .setGraph(g).build().toByteArray();
  }

  private long write(int tree, int node, long[] next, List<Long> treeIds, List<Long> nodeIds,
      List<Long> featureIds, List<String> modes, List<Float> values, List<Long> trueIds,
      List<Long> falseIds, List<Long> missing, List<Long> vTree, List<Long> vNode,
      List<Float> vWeight) {
    long id = next[0]++;
    int row = treeIds.size();
    treeIds.add((long) tree);
    nodeIds.add(id);
    if (node < 0) {
      featureIds.add(0L);
      modes.add("LEAF");
      values.add(0f);
      trueIds.add(0L);
      falseIds.add(0L);
      missing.add(0L);
      vTree.add((long) tree);
      vNode.add(id);
      vWeight.add(leafValue.get(~node));
      return id;
    }
    featureIds.add((long) feature.get(node));
    modes.add("BRANCH_LT");
    values.add(threshold.get(node));
    trueIds.add(0L);
    falseIds.add(0L);
    missing.add(missingLeft.get(node) ? 1L : 0L);
    long l = write(tree, left.get(node), next, treeIds, nodeIds, featureIds, modes, values,
        trueIds, falseIds, missing, vTree, vNode, vWeight);
    long r = write(tree, right.get(node), next, treeIds, nodeIds, featureIds, modes, values,
        trueIds, falseIds, missing, vTree, vNode, vWeight);
    trueIds.set(row, l);
    falseIds.set(row, r);
    return id;
  }

  private static AttributeProto ints(String name, List<Long> v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
        .addAllInts(v).build();
  }

  private static AttributeProto floats(String name, List<Float> v) {
    return AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.FLOATS).addAllFloats(v).build();
  }

  private static ValueInfoProto valueInfo(String name, int cols) {
    TensorShapeProto s = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(cols)).build();
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(DType.FLOAT.onnxCode()).setShape(s))).build();
  }

  /** Rows of standard normal features, {@code nanRate} of them NaN. */
  float[] rows(int n, double nanRate, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * features];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble() < nanRate ? Float.NaN : (float) r.nextGaussian();
    }
    return x;
  }
}
