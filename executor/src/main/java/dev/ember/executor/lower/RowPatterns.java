package dev.ember.executor.lower;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the row kernels of a graph: LayerNormalization, the layer norm that exporters spell out
 * (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, then optional Mul scale, Add bias),
 * Softmax over the last axis, and ReduceMean/ReduceSum over the last axis alone.
 */
final class RowPatterns {
  private final GraphIndex ix;

  RowPatterns(GraphIndex ix) {
    this.ix = ix;
  }

  /** The row kernel rooted at the first node of a pattern, or null. */
  Kernel.Row match(Node n) {
    switch (n.opType()) {
      case "LayerNormalization":
        return layerNormOp(n);
      case "Softmax":
        return softmax(n);
      case "ReduceMean":
        {
          Kernel.Row ln = decomposedLayerNorm(n);
          return ln != null ? ln : reduce(n, Kernel.RowOp.REDUCE_MEAN);
        }
      case "ReduceSum":
        return reduce(n, Kernel.RowOp.REDUCE_SUM);
      default:
        return null;
    }
  }

  private boolean floatRows(String value) {
    TensorType t = ix.type(value);
    return t != null && t.dtype() == DType.FLOAT && t.shape().rankKnown()
        && t.shape().rank() >= 1;
  }

  private Kernel.Row softmax(Node n) {
    String x = n.input(0);
    if (!floatRows(x) || n.outputs().size() != 1) {
      return null;
    }
    int rank = ix.shape(x).rank();
    long axis = n.attrs().getInt("axis", n.opset() < 13 ? 1 : -1);
    if (axis < 0) {
      axis += rank;
    }
    // Before opset 13 the trailing dims from axis are flattened: the last axis alone only when
    // axis is the last one.
    if (axis != rank - 1) {
      return null;
    }
    return new Kernel.Row(Kernel.RowOp.SOFTMAX, List.of(), x, List.of(n), n.outputs().get(0), 0,
        null, null);
  }

  private Kernel.Row layerNormOp(Node n) {
    String x = n.input(0);
    if (!floatRows(x)) {
      return null;
    }
    for (int i = 1; i < n.outputs().size(); i++) {
      if (!n.outputs().get(i).isEmpty() && !ix.consumers(n.outputs().get(i)).isEmpty()
          || ix.outputs.contains(n.outputs().get(i))) {
        return null; // Mean / InvStdDev wanted: the reference kernel computes them
      }
    }
    int rank = ix.shape(x).rank();
    long axis = n.attrs().getInt("axis", -1);
    if (axis < 0) {
      axis += rank;
    }
    if (axis != rank - 1 || n.attrs().getInt("stash_type", 1) != 1) {
      return null;
    }
    Dim last = ix.shape(x).dim(rank - 1);
    String scale = n.input(1);
    String bias = n.input(2);
    if (!rowVector(scale, last) || !bias.isEmpty() && !rowVector(bias, last)) {
      return null;
    }
    double eps = n.attrs().getFloat("epsilon", 1e-5f);
    return new Kernel.Row(Kernel.RowOp.LAYER_NORM, List.of(), x, List.of(n), n.outputs().get(0),
        eps, scale, bias.isEmpty() ? null : bias);
  }

  /** An initializer of FLOAT type holding one value per element of a row of length {@code d}. */
  private boolean rowVector(String value, Dim d) {
    Tensor t = ix.graph.initializers().get(value);
    if (t == null || t.dtype() != DType.FLOAT || !d.isFixed() || t.size() != d.size()) {
      return false;
    }
    int[] s = t.shape();
    for (int i = 0; i < s.length - 1; i++) {
      if (s[i] != 1) {
        return false;
      }
    }
    return s.length >= 1;
  }

  /** Axes of a reduce node when they are exactly the last axis, keepdims or not; else false. */
  private boolean reducesLastAxisOnly(Node n, int rank) {
    int axesInputSince = n.opType().equals("ReduceSum") ? 13 : 18;
    long[] axes;
    if (n.opset() < axesInputSince) {
      axes = n.attrs().getInts("axes");
    } else {
      String in = n.input(1);
      Tensor t = in.isEmpty() ? null : ix.graph.initializers().get(in);
      if (!in.isEmpty() && t == null) {
        return false;
      }
      axes = t == null ? null : t.toLongArray();
    }
    if (axes == null || axes.length == 0) {
      return rank == 1 && n.attrs().getInt("noop_with_empty_axes", 0) == 0;
    }
    if (axes.length != 1) {
      return false;
    }
    long a = axes[0] < 0 ? axes[0] + rank : axes[0];
    return a == rank - 1;
  }

  private Kernel.Row reduce(Node n, Kernel.RowOp op) {
    String x = n.input(0);
    if (!floatRows(x) || n.outputs().size() != 1) {
      return null;
    }
    if (!reducesLastAxisOnly(n, ix.shape(x).rank())) {
      return null;
    }
    return new Kernel.Row(op, List.of(), x, List.of(n), n.outputs().get(0), 0, null, null);
  }

  /** ReduceMean(x) -> Sub -> Pow 2 -> ReduceMean -> Add eps -> Sqrt -> Div [-> Mul -> Add]. */
  private Kernel.Row decomposedLayerNorm(Node m1) {
    String x = m1.input(0);
    if (!floatRows(x) || !reduceKeep(m1)) {
      return null;
    }
    String mean = m1.outputs().get(0);
    Node sub = ix.soleConsumer(mean);
    if (sub == null || !sub.opType().equals("Sub") || !sub.input(0).equals(x)
        || !sub.input(1).equals(mean)) {
      return null;
    }
    List<Node> xUsers = ix.consumers(x);
    if (xUsers.size() != 2 || !xUsers.contains(m1) || !xUsers.contains(sub)
        || ix.outputs.contains(x)) {
      return null;
    }
    String d = sub.outputs().get(0);
    List<Node> dUsers = ix.consumers(d);
    if (dUsers.size() != 2 || ix.outputs.contains(d)) {
      return null;
    }
    Node pow = dUsers.get(0).opType().equals("Pow") ? dUsers.get(0) : dUsers.get(1);
    Node div = pow == dUsers.get(0) ? dUsers.get(1) : dUsers.get(0);
    Double two = pow.opType().equals("Pow") && pow.input(0).equals(d)
        ? FusedElementwise.scalarConstant(ix.graph, pow.input(1)) : null;
    if (two == null || two != 2.0 || !div.opType().equals("Div") || !div.input(0).equals(d)) {
      return null;
    }
    Node m2 = ix.soleConsumer(pow.outputs().get(0));
    if (m2 == null || !m2.opType().equals("ReduceMean") || !reduceKeep(m2)) {
      return null;
    }
    Node add = ix.soleConsumer(m2.outputs().get(0));
    if (add == null || !add.opType().equals("Add")) {
      return null;
    }
    String epsIn = add.input(0).equals(m2.outputs().get(0)) ? add.input(1) : add.input(0);
    Double eps = FusedElementwise.scalarConstant(ix.graph, epsIn);
    Node sqrt = eps == null ? null : ix.soleConsumer(add.outputs().get(0));
    if (sqrt == null || !sqrt.opType().equals("Sqrt")) {
      return null;
    }
    if (ix.soleConsumer(sqrt.outputs().get(0)) != div || !div.input(1).equals(
        sqrt.outputs().get(0))) {
      return null;
    }
    List<Node> body = new ArrayList<>(List.of(m1, sub, pow, m2, add, sqrt, div));
    Dim last = ix.shape(x).dim(ix.shape(x).rank() - 1);
    String out = div.outputs().get(0);
    String scale = null;
    String bias = null;
    Node mul = ix.soleConsumer(out);
    String w = mul == null ? null : other(mul, out);
    if (mul != null && mul.opType().equals("Mul") && w != null && rowVector(w, last)
        && ix.sameShape(mul.outputs().get(0), x)) {
      scale = w;
      body.add(mul);
      out = mul.outputs().get(0);
      Node addB = ix.soleConsumer(out);
      String b = addB == null ? null : other(addB, out);
      if (addB != null && addB.opType().equals("Add") && b != null && rowVector(b, last)
          && ix.sameShape(addB.outputs().get(0), x)) {
        bias = b;
        body.add(addB);
        out = addB.outputs().get(0);
      }
    }
    return new Kernel.Row(Kernel.RowOp.LAYER_NORM, List.of(), x, body, out, eps, scale, bias);
  }

  /** The other input of a binary node, or null when both inputs are {@code v}. */
  private static String other(Node n, String v) {
    if (n.inputs().size() != 2) {
      return null;
    }
    if (n.input(0).equals(v) && !n.input(1).equals(v)) {
      return n.input(1);
    }
    if (n.input(1).equals(v) && !n.input(0).equals(v)) {
      return n.input(0);
    }
    return null;
  }

  private boolean reduceKeep(Node n) {
    Shape s = ix.shape(n.input(0));
    return n.outputs().size() == 1 && n.attrs().getInt("keepdims", 1) != 0 && s.rankKnown()
        && reducesLastAxisOnly(n, s.rank());
  }
}
