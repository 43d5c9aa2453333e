package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The feature matrix the ai.onnx.ml ops take: X of shape [N, C], or [C] meaning one row, of
 * float, double, int64 or int32, read as doubles (exact for every float and for integers up to
 * 2^53).
 */
final class MlInputs {
  private MlInputs() {}

  /** Element types of X that the classic-ML ops take. */
  static final Set<DType> NUMERIC = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32);

  /** The rows of X, checking its type and rank. */
  static double[][] rows(String op, Tensor x) {
    if (!NUMERIC.contains(x.dtype())) {
      throw OpException.dtype(op + " does not take X of element type " + x.dtype().onnxLowerName()
          + " (it takes float, double, int64, int32)");
    }
    if (x.rank() != 1 && x.rank() != 2) {
      throw OpException.shapes(op + " needs X of shape [N, C] or [C], got " + Shapes.str(
          x.shape()));
    }
    int n = x.rank() == 1 ? 1 : x.dim(0);
    int c = x.dim(x.rank() - 1);
    double[][] out = new double[n][c];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        out[i][j] = x.getDouble(i * c + j);
      }
    }
    return out;
  }

  /** The batch dim of X's type ([N, C] gives N, [C] gives 1), or null when unknown. */
  static Dim batch(TensorType x) {
    if (x == null || !x.shape().rankKnown()) {
      return null;
    }
    return x.shape().rank() == 1 ? Dim.fixed(1) : x.shape().dim(0);
  }

  /** [batch, cols] of {@code dtype}; an unknown batch gives an unknown-rank shape. */
  static TensorType matrix(DType dtype, Dim batch, long cols) {
    return new TensorType(dtype, batch == null ? Shape.unknownRank()
        : Shape.of(List.of(batch, Dim.fixed(cols))));
  }

  /** A [rows, cols] FLOAT tensor from double rows. */
  static Tensor floats(double[][] rows, int cols) {
    float[] out = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < cols; j++) {
        out[i * cols + j] = (float) rows[i][j];
      }
    }
    return Tensor.ofFloats(new int[] {rows.length, cols}, out);
  }
}
