package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds single nodes and runs an op's inference or kernel on them, for the nn op tests. */
final class NnTesting {
  private NnTesting() {}

  /** A node with inputs in0..in(n-1) ("" where {@code omitted}) and outputs out0... */
  static Node node(String op, int opset, int inputs, int outputs, Object... attrs) {
    List<String> ins = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      ins.add("in" + i);
    }
    List<String> outs = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      outs.add("out" + i);
    }
    Map<String, AttrValue> map = new LinkedHashMap<>();
    for (int i = 0; i < attrs.length; i += 2) {
      map.put((String) attrs[i], attr(attrs[i + 1]));
    }
    return new Node(op + "_0", op, "", opset, ins, outs, Attributes.of(map));
  }

  private static AttrValue attr(Object v) {
    if (v instanceof Integer i) {
      return new AttrValue.IntAttr(i);
    }
    if (v instanceof Long l) {
      return new AttrValue.IntAttr(l);
    }
    if (v instanceof Float f) {
      return new AttrValue.FloatAttr(f);
    }
    if (v instanceof long[] ls) {
      return new AttrValue.IntsAttr(Arrays.stream(ls).boxed().toList());
    }
    throw new IllegalArgumentException("no attribute kind for " + v);
  }

  static List<Tensor> run(OpDef op, Node node, Tensor... inputs) {
    return op.evaluate(new KernelContext(node, Arrays.asList(inputs)));
  }

  static Tensor run1(OpDef op, Node node, Tensor... inputs) {
    return run(op, node, inputs).get(0);
  }

  static List<TensorType> infer(OpDef op, Node node, TensorType... types) {
    List<Tensor> none = Arrays.asList(new Tensor[types.length]);
    return op.inferTypes(new TypeContext(node, Arrays.asList(types), none));
  }

  static float[] randomFloats(int n, long seed, float scale) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return v;
  }

  static Tensor randomFloat(long seed, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return Tensor.ofFloats(shape, randomFloats(n, seed, 1f));
  }

  /** Largest |a - e| / (1 + |e|) over two float arrays of equal length. */
  static double maxRelError(float[] expected, float[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("lengths " + expected.length + " != " + actual.length);
    }
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
    }
    return worst;
  }
}
