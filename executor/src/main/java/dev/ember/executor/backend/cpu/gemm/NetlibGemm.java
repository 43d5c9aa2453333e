package dev.ember.executor.backend.cpu.gemm;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ludovic.netlib.blas.BLAS;

/**
 * {@code dev.ludovic.netlib} BLAS, as Spark MLlib uses it: a native system BLAS when one is
 * installed, else {@code VectorBLAS} (when the JVM runs with {@code --add-modules
 * jdk.incubator.vector}), else the plain-Java {@code Java11BLAS}. Netlib is column-major, so the
 * row-major product is computed as C^T = op(B)^T op(A)^T.
 */
public final class NetlibGemm implements Gemm {
  private final BLAS blas;

  private static final class Kept extends Prepared {
    Kept(float[] b, int k, int n, boolean transB) {
      super(b, k, n, transB);
    }
  }

  public NetlibGemm() {
    try {
      this.blas = BLAS.getInstance();
    } catch (RuntimeException | LinkageError e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "netlib BLAS did not load: " + e,
          "use another GEMM (option cpu.gemm=java or openblas)", e);
    }
  }

  @Override
  public String name() {
    return "netlib";
  }

  /** The implementation class netlib picked (JNIBLAS, VectorBLAS, Java11BLAS, ...). */
  public String implementation() {
    return blas.getClass().getSimpleName();
  }

  @Override
  public void multiply(
      int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      float[] b, int bOff, int ldb, boolean transB,
      float beta, float[] c, int cOff, int ldc) {
    if (JavaGemm.empty(m, n, k, beta, c, cOff, ldc)) {
      return;
    }
    blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff, ldb, a, aOff, lda,
        beta, c, cOff, ldc);
  }

  @Override
  public Prepared prepare(float[] b, int k, int n, boolean transB) {
    return new Kept(b, k, n, transB);
  }

  @Override
  public void multiply(
      int m, float alpha, float[] a, int aOff, int lda, boolean transA,
      Prepared w, float beta, float[] c, int cOff, int ldc) {
    multiply(m, w.n, w.k, alpha, a, aOff, lda, transA, w.b, 0, w.ldb(), w.transB, beta, c, cOff,
        ldc);
  }
}
