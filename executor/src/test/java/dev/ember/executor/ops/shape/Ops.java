package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds single nodes of the shape family for unit tests, run through the standard registry. */
final class Ops {
  private Ops() {}

  /** A node {@code op} at {@code opset} with inputs in0..in(n-1) and attributes as pairs. */
  static Node node(String op, int opset, int inputs, Object... attrPairs) {
    Map<String, AttrValue> attrs = new LinkedHashMap<>();
    for (int i = 0; i < attrPairs.length; i += 2) {
      attrs.put((String) attrPairs[i], attr(attrPairs[i + 1]));
    }
    List<String> ins = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      ins.add("in" + i);
    }
    return new Node(op + "_0", op, "", opset, ins, List.of("out"), Attributes.of(attrs));
  }

  private static AttrValue attr(Object v) {
    if (v instanceof Long l) {
      return new AttrValue.IntAttr(l);
    }
    if (v instanceof Integer i) {
      return new AttrValue.IntAttr(i);
    }
    if (v instanceof long[] ls) {
      return new AttrValue.IntsAttr(Arrays.stream(ls).boxed().toList());
    }
    if (v instanceof Float f) {
      return new AttrValue.FloatAttr(f);
    }
    if (v instanceof Tensor t) {
      return new AttrValue.TensorAttr(t);
    }
    if (v instanceof AttrValue a) {
      return a;
    }
    throw new IllegalArgumentException("no attribute kind for " + v);
  }

  static OpDef def(Node n) {
    return OpRegistry.standard().lookup(n);
  }

  /** Runs the node's kernel on the inputs; returns output 0. */
  static Tensor run(Node n, Tensor... inputs) {
    return def(n).evaluate(new KernelContext(n, Arrays.asList(inputs))).get(0);
  }

  /** Infers output 0's type; {@code constants} may be shorter than the inputs (rest unknown). */
  static TensorType infer(Node n, List<TensorType> types, Tensor... constants) {
    List<Tensor> cs = new ArrayList<>(Arrays.asList(constants));
    while (cs.size() < types.size()) {
      cs.add(null);
    }
    return def(n).inferTypes(new TypeContext(n, types, cs)).get(0);
  }

  /** A type whose dims are Longs/Integers (fixed) or Strings (symbolic). */
  static TensorType type(DType t, Object... dims) {
    List<Dim> ds = new ArrayList<>();
    for (Object d : dims) {
      ds.add(d instanceof String s ? Dim.symbolic(s) : Dim.fixed(((Number) d).longValue()));
    }
    return new TensorType(t, Shape.of(ds));
  }

  static Tensor iota(int... shape) {
    float[] v = new float[(int) Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return Tensor.ofFloats(shape, v);
  }

  static Tensor ints(long... values) {
    return Tensor.int64Vector(values);
  }
}
