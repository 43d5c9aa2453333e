package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;

/** Reads the list attributes of the ai.onnx.ml ops, which the IR keeps as generic values. */
final class MlAttrs {
  private MlAttrs() {}

  /** INTS attribute, or an empty array when absent. */
  static long[] ints(Attributes a, String name) {
    long[] v = a.getInts(name);
    return v == null ? new long[0] : v;
  }

  /** INTS attribute that must be present. */
  static long[] requiredInts(String op, Attributes a, String name) {
    long[] v = a.getInts(name);
    if (v == null) {
      throw OpException.attribute(op + " needs the attribute '" + name + "'");
    }
    return v;
  }

  /**
   * A real-valued list given either as FLOATS {@code name} or as a double TENSOR
   * {@code name_as_tensor} (ai.onnx.ml opset 3); null when neither is present.
   */
  static double[] reals(String op, Attributes a, String name) {
    Tensor t = a.getTensor(name + "_as_tensor");
    if (t != null && a.has(name)) {
      throw OpException.attribute(op + " sets both '" + name + "' and '" + name
          + "_as_tensor'; ONNX allows one");
    }
    if (t != null) {
      return tensorReals(t);
    }
    return floats(a, name);
  }

  /** FLOATS attribute as doubles, or null when absent. */
  static double[] floats(Attributes a, String name) {
    return a.get(name).map(v -> {
      if (!(v instanceof AttrValue.FloatsAttr f)) {
        throw OpException.attribute("attribute '" + name + "' is " + v.kind() + ", not FLOATS");
      }
      List<Float> l = f.values();
      double[] out = new double[l.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = l.get(i);
      }
      return out;
    }).orElse(null);
  }

  /** A TENSOR attribute's elements as doubles, or null when absent. */
  static double[] tensor(Attributes a, String name) {
    Tensor t = a.getTensor(name);
    return t == null ? null : tensorReals(t);
  }

  /** STRINGS attribute, or null when absent. */
  static List<String> strings(Attributes a, String name) {
    return a.get(name).map(v -> {
      if (!(v instanceof AttrValue.StringsAttr s)) {
        throw OpException.attribute("attribute '" + name + "' is " + v.kind() + ", not STRINGS");
      }
      return s.values();
    }).orElse(null);
  }

  private static double[] tensorReals(Tensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getDouble(i);
    }
    return out;
  }

  /** Throws unless every array has {@code n} entries. */
  static void sameLength(String op, String group, int n, Object... namesAndLengths) {
    for (int i = 0; i < namesAndLengths.length; i += 2) {
      int len = (Integer) namesAndLengths[i + 1];
      if (len != n) {
        throw OpException.attribute(op + " " + group + " attributes differ in length: '"
            + namesAndLengths[i] + "' has " + len + ", expected " + n);
      }
    }
  }
}
