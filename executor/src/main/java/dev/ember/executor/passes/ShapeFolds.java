package dev.ember.executor.passes;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;

/**
 * {@code Shape} and {@code Size} read only their input's type, so they fold as soon as the dims
 * they report are static, whether or not the input's values are known.
 */
final class ShapeFolds {
  private ShapeFolds() {}

  /** The node's value from its input type, or null while a reported dim is not static. */
  static Tensor fold(Node node, TensorType input) {
    if (input == null || !input.shape().rankKnown()) {
      return null;
    }
    Shape s = input.shape();
    if (node.opType().equals("Size")) {
      return s.isStatic() ? size(s) : null;
    }
    int rank = s.rank();
    // Opset 15 added start/end; older models never set them, so the defaults cover them.
    int start = clamp(node.attrs().getInt("start", 0), rank);
    int end = clamp(node.attrs().getInt("end", rank), rank);
    int n = Math.max(0, end - start);
    long[] dims = new long[n];
    for (int i = 0; i < n; i++) {
      Dim d = s.dim(start + i);
      if (!d.isFixed()) {
        return null;
      }
      dims[i] = d.size();
    }
    return Tensor.int64Vector(dims);
  }

  /** ONNX's rule for Shape's start/end: negative counts from the back, then clamp to [0, r]. */
  private static int clamp(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return (int) Math.max(0, Math.min(rank, a));
  }

  /** The element count of a static shape, or null past the range of int64 (left unfolded). */
  private static Tensor size(Shape s) {
    long n = 1;
    try {
      for (Dim d : s.dims()) {
        n = Math.multiplyExact(n, d.size());
      }
    } catch (ArithmeticException e) {
      return null;
    }
    return Tensor.wrap(DType.INT64, new int[0], new long[] {n});
  }
}
