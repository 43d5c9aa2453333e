package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;

/**
 * A classifier's labels, int64 ({@code intsAttr}) or string ({@code classlabels_strings}), exactly
 * one of which the model sets; the label output Y is a tensor of that type.
 */
final class ClassLabels {
  private final long[] ints;
  private final List<String> strings;

  private ClassLabels(long[] ints, List<String> strings) {
    this.ints = ints;
    this.strings = strings;
  }

  static ClassLabels read(String op, Attributes a, String intsAttr) {
    long[] ints = a.getInts(intsAttr);
    List<String> strings = MlAttrs.strings(a, "classlabels_strings");
    if ((ints == null) == (strings == null)) {
      throw OpException.attribute(op + " must set exactly one of '" + intsAttr
          + "' and 'classlabels_strings'");
    }
    return new ClassLabels(ints, strings);
  }

  /** Labels from exactly one of the two lists (the other null). */
  static ClassLabels of(long[] ints, List<String> strings) {
    return new ClassLabels(ints, strings);
  }

  /** The int64 labels, or null for string labels. */
  long[] ints() {
    return ints == null ? null : ints.clone();
  }

  /** The string labels, or null for int64 labels. */
  String[] strings() {
    return strings == null ? null : strings.toArray(new String[0]);
  }

  /** The label type without reading the lists, for type inference. */
  static DType type(Attributes a, String intsAttr) {
    return a.has("classlabels_strings") && !a.has(intsAttr) ? DType.STRING : DType.INT64;
  }

  int size() {
    return ints != null ? ints.length : strings.size();
  }

  /** Y: the label at {@code index[i]} for each row. */
  Tensor pick(int[] index) {
    int n = index.length;
    if (ints != null) {
      long[] y = new long[n];
      for (int i = 0; i < n; i++) {
        y[i] = ints[index[i]];
      }
      return Tensor.ofLongs(DType.INT64, new int[] {n}, y);
    }
    String[] y = new String[n];
    for (int i = 0; i < n; i++) {
      y[i] = strings.get(index[i]);
    }
    return Tensor.ofStrings(new int[] {n}, y);
  }

  /** The index of each row's largest score (the first on ties). */
  static int[] argmax(double[][] scores) {
    int[] out = new int[scores.length];
    for (int i = 0; i < scores.length; i++) {
      double[] r = scores[i];
      for (int j = 1; j < r.length; j++) {
        if (r[j] > r[out[i]]) {
          out[i] = j;
        }
      }
    }
    return out;
  }
}
