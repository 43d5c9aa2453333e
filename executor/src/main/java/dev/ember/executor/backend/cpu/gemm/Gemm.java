package dev.ember.executor.backend.cpu.gemm;

/**
 * Row-major single-precision matrix multiply, {@code C = alpha * op(A) * op(B) + beta * C}, the
 * one GEMM entry point of generated CPU kernels. op(A) is m x k, op(B) is k x n, C is m x n;
 * {@code ld*} are row strides in elements and {@code *Off} element offsets. With beta = 0, C is
 * not read. Implementations are thread-safe; many Spark task threads call them at once, each
 * product on the calling thread unless the implementation was built with more threads.
 */
public interface Gemm {
  /** Short name recorded in tuning.json and logs, e.g. "openblas", "vector", "java", "netlib". */
  String name();

  void multiply(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float beta, float[] c, int cOff, int ldc);

  /**
   * B made ready for many products (a weight): copied to native memory or kept as is. Calls for
   * the same array return a shared object, so variants of one model share their weights.
   */
  Prepared prepare(float[] b, int k, int n, boolean transB);

  /** {@code C = alpha * op(A) * W + beta * C} with a prepared W (k x n). */
  void multiply(
      int m, float alpha, float[] a, int aOff, int lda, boolean transA,
      Prepared w, float beta, float[] c, int cOff, int ldc);

  /** A prepared B; {@code k} x {@code n} after its transpose. */
  abstract class Prepared {
    public final float[] b;
    public final int k;
    public final int n;
    public final boolean transB;

    protected Prepared(float[] b, int k, int n, boolean transB) {
      this.b = b;
      this.k = k;
      this.n = n;
      this.transB = transB;
    }

    /** Row stride of the stored matrix. */
    public int ldb() {
      return transB ? k : n;
    }
  }
}
