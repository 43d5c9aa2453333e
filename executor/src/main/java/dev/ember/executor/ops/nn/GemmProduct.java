package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;

/**
 * The arithmetic of one Gemm: fills Y with beta * C broadcast to (M, N), then adds
 * alpha * op(A) * op(B) with the GEMM of the element type. Shapes are checked by the caller.
 */
record GemmProduct(int m, int n, int k, boolean transA, boolean transB) {

  /** Y for validated operands; {@code c} null means no bias term. */
  Tensor compute(Tensor a, Tensor b, Tensor c, float alpha, float beta) {
    int[] shape = {m, n};
    int lda = a.dim(1);
    int ldb = b.dim(1);
    switch (a.dtype().storage()) {
      case FLOAT:
        float[] fy = new float[m * n];
        if (c != null) {
          float[] cv = c.rawFloats();
          fillBias(c.shape(), (i, j) -> fy[i] = beta * cv[j]);
        }
        Sgemm.multiply(m, n, k, alpha, a.rawFloats(), 0, lda, transA, b.rawFloats(), 0, ldb,
            transB, fy, 0, n, new Sgemm.Workspace());
        return Tensor.ofFloats(a.dtype(), shape, fy);
      case DOUBLE:
        double[] dy = new double[m * n];
        if (c != null) {
          double[] cv = c.rawDoubles();
          fillBias(c.shape(), (i, j) -> dy[i] = beta * cv[j]);
        }
        Dgemm.multiply(m, n, k, alpha, a.rawDoubles(), 0, lda, transA, b.rawDoubles(), 0, ldb,
            transB, dy, 0, n, new Dgemm.Workspace());
        return Tensor.ofDoubles(shape, dy);
      case LONG:
        long[] ly = new long[m * n];
        long la = whole(alpha, "alpha");
        if (c != null) {
          long lb = whole(beta, "beta");
          long[] cv = c.rawLongs();
          fillBias(c.shape(), (i, j) -> ly[i] = lb * cv[j]);
        }
        IntGemm.multiply(m, n, k, la, a.rawLongs(), 0, lda, transA, b.rawLongs(), 0, ldb,
            transB, ly, 0, n);
        return Tensor.ofLongs(a.dtype(), shape, ly);
      default:
        throw OpException.dtype("Gemm does not take " + a.dtype().onnxLowerName());
    }
  }

  /** Receives (index in Y, index in C) for each element of Y. */
  private interface BiasSink {
    void put(int yIndex, int cIndex);
  }

  /** Walks Y row-major, pairing each element with the C element that broadcasts onto it. */
  private void fillBias(int[] cs, BiasSink sink) {
    int cRows = cs.length == 2 ? cs[0] : 1;
    int cCols = cs.length >= 1 ? cs[cs.length - 1] : 1;
    for (int i = 0; i < m; i++) {
      int row = cRows == 1 ? 0 : i * cCols;
      for (int j = 0; j < n; j++) {
        sink.put(i * n + j, row + (cCols == 1 ? 0 : j));
      }
    }
  }

  private static long whole(float v, String name) {
    if (v != Math.rint(v)) {
      throw OpException.attribute(
          "integer Gemm needs a whole " + name + ", got " + v
              + "; cast the inputs to float or use a whole " + name);
    }
    return (long) v;
  }
}
