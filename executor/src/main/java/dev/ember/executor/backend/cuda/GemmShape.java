package dev.ember.executor.backend.cuda;

/**
 * One (batched) GEMM as the device sees it, all in float32 elements: {@code C[b][i][j] =
 * alpha * sum_p A[b][i][p] * B[b][p][j] + beta * bias[i][j]} for b < batch, i < m, j < n, p < k.
 * Operands are addressed by element strides, so transposed and permuted operands need no copy:
 * {@code A[b][i][p]} is at {@code b*aBatch + i*aRow + p*aCol}, {@code B[b][p][j]} at {@code
 * b*bBatch + p*bRow + j*bCol}, {@code C[b][i][j]} at {@code b*cBatch + i*ldc + j}, and the bias
 * at {@code i*biasRow + j*biasCol} (strides of 0 broadcast it; no bias when {@code hasBias} is
 * false). The {@code epilogue} then maps each element before it is stored ({@link
 * GemmEpilogue#NONE}: stored as it is).
 */
public record GemmShape(
    int batch,
    int m,
    int n,
    int k,
    long aBatch,
    int aRow,
    int aCol,
    long bBatch,
    int bRow,
    int bCol,
    long cBatch,
    int ldc,
    float alpha,
    float beta,
    boolean hasBias,
    int biasRow,
    int biasCol,
    GemmEpilogue epilogue) {

  public GemmShape {
    if (batch < 1 || m < 1 || n < 1 || k < 1) {
      throw new IllegalArgumentException(
          "GEMM dims must be positive: batch=" + batch + " m=" + m + " n=" + n + " k=" + k);
    }
    if (epilogue == null) {
      throw new IllegalArgumentException("no epilogue is GemmEpilogue.NONE, not null");
    }
  }

  /** A shape that stores its elements as they are. */
  public GemmShape(int batch, int m, int n, int k, long aBatch, int aRow, int aCol, long bBatch,
      int bRow, int bCol, long cBatch, int ldc, float alpha, float beta, boolean hasBias,
      int biasRow, int biasCol) {
    this(batch, m, n, k, aBatch, aRow, aCol, bBatch, bRow, bCol, cBatch, ldc, alpha, beta,
        hasBias, biasRow, biasCol, GemmEpilogue.NONE);
  }

  /** This shape with {@code e} applied to each element before the store. */
  public GemmShape withEpilogue(GemmEpilogue e) {
    return new GemmShape(batch, m, n, k, aBatch, aRow, aCol, bBatch, bRow, bCol, cBatch, ldc,
        alpha, beta, hasBias, biasRow, biasCol, e);
  }

  /** A plain row-major {@code [batch, m, k] x [batch, k, n]} product into {@code [batch, m, n]}. */
  public static GemmShape rowMajor(int batch, int m, int n, int k) {
    return new GemmShape(batch, m, n, k, (long) m * k, k, 1, (long) k * n, n, 1, (long) m * n, n,
        1f, 0f, false, 0, 0);
  }

  /**
   * A row-major {@code [m, k]} A times a weight B {@code [k, n]}: one B for every call (no batch
   * stride), as {@link CudaCodegen} gives a MatMul on an initializer, which fp16 and bf16 routes
   * may read as its 16-bit copy ({@link HalfWeights}).
   */
  public static GemmShape onWeight(int m, int n, int k) {
    return new GemmShape(1, m, n, k, (long) m * k, k, 1, 0, n, 1, (long) m * n, n, 1f, 0f, false,
        0, 0);
  }

  /** Floating-point operations of the product (2 m n k per matrix). */
  public double flops() {
    return 2.0 * batch * m * n * k;
  }
}
