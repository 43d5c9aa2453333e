package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds one ai.onnx.ml node with attributes and runs its kernel from the standard registry. */
final class MlNodes {
  private final String opType;
  private final int opset;
  private final Map<String, AttrValue> attrs = new LinkedHashMap<>();

  private MlNodes(String opType, int opset) {
    this.opType = opType;
    this.opset = opset;
  }

  static MlNodes op(String opType, int opset) {
    return new MlNodes(opType, opset);
  }

  MlNodes ints(String name, long... v) {
    attrs.put(name, new AttrValue.IntsAttr(Arrays.stream(v).boxed().toList()));
    return this;
  }

  MlNodes i(String name, long v) {
    attrs.put(name, new AttrValue.IntAttr(v));
    return this;
  }

  MlNodes floats(String name, double... v) {
    List<Float> l = new ArrayList<>();
    for (double d : v) {
      l.add((float) d);
    }
    attrs.put(name, new AttrValue.FloatsAttr(l));
    return this;
  }

  MlNodes s(String name, String v) {
    attrs.put(name, new AttrValue.StringAttr(v));
    return this;
  }

  MlNodes strings(String name, String... v) {
    attrs.put(name, new AttrValue.StringsAttr(List.of(v)));
    return this;
  }

  MlNodes doubles(String name, double... v) {
    attrs.put(name, new AttrValue.TensorAttr(Tensor.ofDoubles(new int[] {v.length}, v)));
    return this;
  }

  MlNodes floatTensor(String name, double... v) {
    float[] f = new float[v.length];
    for (int k = 0; k < v.length; k++) {
      f[k] = (float) v[k];
    }
    attrs.put(name, new AttrValue.TensorAttr(Tensor.ofFloats(new int[] {v.length}, f)));
    return this;
  }

  MlNodes bytes(String name, long... v) {
    attrs.put(name,
        new AttrValue.TensorAttr(Tensor.ofLongs(DType.UINT8, new int[] {v.length}, v.clone())));
    return this;
  }

  Node node() {
    List<String> outs = opType.endsWith("Classifier") ? List.of("Y", "Z") : List.of("Y");
    return new Node("n", opType, MlOps.DOMAIN, opset, List.of("X"), outs, Attributes.of(attrs));
  }

  /** Runs the kernel on X given as rows of floats. */
  List<Tensor> run(double[][] rows) {
    int c = rows[0].length;
    float[] x = new float[rows.length * c];
    for (int r = 0; r < rows.length; r++) {
      for (int j = 0; j < c; j++) {
        x[r * c + j] = (float) rows[r][j];
      }
    }
    return run(Tensor.ofFloats(new int[] {rows.length, c}, x));
  }

  List<Tensor> run(Tensor x) {
    Node n = node();
    return OpRegistry.standard().lookup(n).evaluate(new KernelContext(n, List.of(x)));
  }

  /** A [rows, cols] tensor's elements as doubles. */
  static double[] values(Tensor t) {
    double[] out = new double[t.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = t.getDouble(k);
    }
    return out;
  }
}
