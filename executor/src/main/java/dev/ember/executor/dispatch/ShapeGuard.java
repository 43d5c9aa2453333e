package dev.ember.executor.dispatch;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Level 1's guard: the exact element type and shape of every graph input a static variant was
 * compiled for. {@link #matches} allocates nothing, so checking guards on every call stays cheap.
 */
final class ShapeGuard {
  private final String[] names;
  private final DType[] dtypes;
  private final int[][] shapes;

  private ShapeGuard(String[] names, DType[] dtypes, int[][] shapes) {
    this.names = names;
    this.dtypes = dtypes;
    this.shapes = shapes;
  }

  /** The guard of {@code feeds}, which must hold every input in {@code inputs}. */
  static ShapeGuard of(List<ValueInfo> inputs, Map<String, Tensor> feeds) {
    int n = inputs.size();
    String[] names = new String[n];
    DType[] dtypes = new DType[n];
    int[][] shapes = new int[n][];
    for (int i = 0; i < n; i++) {
      names[i] = inputs.get(i).name();
      Tensor t = feeds.get(names[i]);
      dtypes[i] = t.dtype();
      shapes[i] = t.shape();
    }
    return new ShapeGuard(names, dtypes, shapes);
  }

  boolean matches(Map<String, Tensor> feeds) {
    if (feeds.size() != names.length) {
      return false;
    }
    for (int i = 0; i < names.length; i++) {
      Tensor t = feeds.get(names[i]);
      if (t == null || t.dtype() != dtypes[i] || t.rank() != shapes[i].length) {
        return false;
      }
      int[] s = shapes[i];
      for (int d = 0; d < s.length; d++) {
        if (t.dim(d) != s[d]) {
          return false;
        }
      }
    }
    return true;
  }

  /** Input name to static shape, for the specialiser. */
  Map<String, int[]> shapes() {
    Map<String, int[]> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], shapes[i].clone());
    }
    return m;
  }

  /** Input name to dims, for the variant key. */
  Map<String, List<Long>> keyShapes() {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      List<Long> dims = new ArrayList<>();
      for (int d : shapes[i]) {
        dims.add((long) d);
      }
      m.put(names[i], dims);
    }
    return m;
  }

  /** E.g. {@code "input_ids int64[2, 7], attention_mask int64[2, 7]"}; also the lookup key. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(names[i]).append(' ');
      sb.append(dtypes[i].onnxLowerName()).append(java.util.Arrays.toString(shapes[i]));
    }
    return sb.toString();
  }
}
