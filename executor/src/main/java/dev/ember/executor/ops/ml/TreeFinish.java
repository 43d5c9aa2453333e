package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;

/**
 * What the tree ops do before and after walking the forest, shared by their reference kernels
 * and the CPU backend's generated forest code ({@link TreeCodegen}) so that both check X the same
 * way and round the same way: the input checks, AVERAGE's division, base values, the binary
 * classifier's two columns, the post transform and the outputs. Scores arrive as {@code acc},
 * row-major {@code [n, width]} doubles summed (or MIN/MAX-ed) over the trees in tree order.
 * Public only for generated code; stateless and thread-safe.
 */
public final class TreeFinish {
  private TreeFinish() {}

  /**
   * The column count of X ([N, C] or [C]), checking its type against {@code expected} (the type
   * the code was generated for) and that it has every feature a node reads.
   */
  public static int columns(String op, Tensor x, DType expected, int maxFeature) {
    if (x.dtype() != expected) {
      throw OpException.dtype(op + " was compiled for X of element type "
          + expected.onnxLowerName() + " but got " + x.dtype().onnxLowerName());
    }
    checkRank(op, x);
    int c = x.dim(x.rank() - 1);
    if (maxFeature >= c) {
      throw OpException.shapes("a tree node reads feature " + maxFeature + " but X has " + c
          + " columns");
    }
    return c;
  }

  static void checkRank(String op, Tensor x) {
    if (x.rank() != 1 && x.rank() != 2) {
      throw OpException.shapes(op + " needs X of shape [N, C] or [C], got "
          + Shapes.str(x.shape()));
    }
  }

  /** The row count of X ([C] is one row). */
  public static int rows(Tensor x) {
    return x.rank() == 1 ? 1 : x.dim(0);
  }

  /** X's elements as doubles: the array itself for double X, else a converted copy. */
  public static double[] doubles(Tensor x) {
    if (x.dtype() == DType.DOUBLE) {
      return x.rawDoubles();
    }
    double[] out = new double[x.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.getDouble(i);
    }
    return out;
  }

  /** AVERAGE: every score over the number of trees (a forest without trees keeps its sums). */
  public static void average(double[] acc, int trees) {
    if (trees > 0) {
      for (int i = 0; i < acc.length; i++) {
        acc[i] /= trees;
      }
    }
  }

  /** TreeEnsembleRegressor's Y [n, targets] float: post(scores + base). */
  public static Tensor regressor(double[] acc, int n, int targets, double[] base, int post) {
    PostTransform p = PostTransform.values()[post];
    double[] row = new double[targets];
    float[] out = new float[n * targets];
    for (int i = 0; i < n; i++) {
      System.arraycopy(acc, i * targets, row, 0, targets);
      for (int k = 0; base != null && k < targets; k++) {
        row[k] += base[k];
      }
      p.apply(row, 0, targets);
      for (int k = 0; k < targets; k++) {
        out[i * targets + k] = (float) row[k];
      }
    }
    return Tensor.ofFloats(new int[] {n, targets}, out);
  }

  /** TreeEnsemble's (opset 5) Y [n, targets] of X's type: post(scores). */
  public static Tensor ensemble(double[] acc, int n, int targets, int post, DType type) {
    PostTransform p = PostTransform.values()[post];
    for (int i = 0; i < n; i++) {
      p.apply(acc, i * targets, targets);
    }
    if (type == DType.DOUBLE) {
      return Tensor.ofDoubles(new int[] {n, targets}, acc);
    }
    float[] out = new float[n * targets];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) acc[i];
    }
    return Tensor.ofFloats(type, new int[] {n, targets}, out);
  }

  /**
   * TreeEnsembleClassifier's labels and scores (see {@link TreeEnsembleClassifierOp} for the
   * binary case, {@code binaryClass} >= 0). Labels are int64 ({@code ints}) or strings.
   */
  public static Tensor[] classifier(double[] acc, int n, int classes, double[] base, int post,
      int binaryClass, long[] ints, String[] strings) {
    String op = "TreeEnsembleClassifier";
    PostTransform p = PostTransform.values()[post];
    int cols = binaryClass >= 0 ? Math.max(2, classes) : classes;
    double[][] z = new double[n][];
    for (int i = 0; i < n; i++) {
      double[] row = new double[cols];
      System.arraycopy(acc, i * classes, row, 0, classes);
      for (int k = 0; base != null && k < classes; k++) {
        row[k] += base[k];
      }
      if (binaryClass >= 0) {
        double s = row[binaryClass];
        row[1] = s;
        row[0] = p == PostTransform.NONE || p == PostTransform.PROBIT ? 1 - s : -s;
      }
      p.apply(row, 0, cols);
      z[i] = row;
    }
    ClassLabels labels = ClassLabels.of(ints, strings == null ? null : List.of(strings));
    int[] best = ClassLabels.argmax(z);
    Tensor y = classes == 1 ? TreeEnsembleClassifierOp.singleLabel(op, labels, best)
        : labels.pick(best);
    return new Tensor[] {y, MlInputs.floats(z, cols)};
  }
}
