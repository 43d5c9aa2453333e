package dev.ember.executor.backend.cpu.gemm;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS through {@code org.bytedeco:openblas}. Operands are copied into native memory before
 * each call: JavaCPP's {@code float[]} overloads copy whole arrays through JNI on every call
 * (measured 49 against 90 GFLOP/s for [1280,384]x[384,384]), while a copy of just the used rows
 * costs O(mk + mn) against the product's O(mnk). Weights are copied once and shared by every
 * variant that uses the same array. The thread count is process-wide in OpenBLAS; it is set when
 * the library first loads (default 1: Spark already runs one task per core).
 *
 * <p>Which kernel runs is OpenBLAS's runtime choice (OPENBLAS_VERBOSE=2 prints it; on the
 * project's AVX-512 machines 0.3.31 picks Cooperlake; OPENBLAS_CORETYPE, read when the library
 * loads, forces another).
 */
public final class OpenBlasGemm implements Gemm {
  private static volatile boolean loaded;
  private static int threads;

  private static final SharedWeights SHARED = new SharedWeights();

  /** Per-thread native copies of A, B and C, grown on demand. */
  private static final class Scratch {
    FloatPointer a = new FloatPointer(0L);
    FloatPointer b = new FloatPointer(0L);
    FloatPointer c = new FloatPointer(0L);

    static FloatPointer fit(FloatPointer p, long n) {
      if (p.capacity() >= n) {
        return p;
      }
      p.close();
      return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Native extends Prepared {
    final FloatPointer data;

    Native(float[] b, int k, int n, boolean transB) {
      super(null, k, n, transB); // holding b would keep the weak cache's key alive
      this.data = new FloatPointer((long) k * n);
      data.put(b, 0, k * n);
    }
  }

  /** Loads OpenBLAS with {@code threadCount} threads, or throws KERNEL_FAILED saying why not. */
  public OpenBlasGemm(int threadCount) {
    load(threadCount);
  }

  private static synchronized void load(int threadCount) {
    if (loaded) {
      return;
    }
    try {
      Loader.load(openblas_nolapack.class);
      org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threadCount);
      threads = org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads();
      loaded = true;
    } catch (RuntimeException | LinkageError e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "OpenBLAS (org.bytedeco:openblas) did not load: "
          + e, "use the pure-Java GEMM (option cpu.gemm=java)", e);
    }
  }

  @Override
  public String name() {
    return "openblas";
  }

  /** The thread count OpenBLAS reports after loading. */
  public static int threads() {
    return threads;
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
    Scratch s = SCRATCH.get();
    int bLen = span(transB ? n : k, transB ? k : n, ldb);
    s.b = Scratch.fit(s.b, bLen);
    s.b.position(0).put(b, bOff, bLen);
    call(s, m, n, k, alpha, a, aOff, lda, transA, s.b, ldb, transB, beta, c, cOff, ldc);
  }

  @Override
  public Prepared prepare(float[] b, int k, int n, boolean transB) {
    return SHARED.get(b, k, n, transB, () -> new Native(b, k, n, transB));
  }

  /**
   * A native copy of {@code b} that no other caller shares, so that it is freed as soon as its
   * holder drops it ({@link VectorGemm}'s copies for its first products).
   */
  Prepared copy(float[] b, int k, int n, boolean transB) {
    return new Native(b, k, n, transB);
  }

  @Override
  public void multiply(
      int m, float alpha, float[] a, int aOff, int lda, boolean transA,
      Prepared w, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || w.n == 0) {
      return;
    }
    Native nw = (Native) w;
    call(SCRATCH.get(), m, w.n, w.k, alpha, a, aOff, lda, transA, nw.data, w.ldb(), w.transB,
        beta, c, cOff, ldc);
  }

  private static void call(
      Scratch s, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA,
      FloatPointer b, int ldb, boolean transB,
      float beta, float[] c, int cOff, int ldc) {
    int aLen = span(transA ? k : m, transA ? m : k, lda);
    int cLen = span(m, n, ldc);
    s.a = Scratch.fit(s.a, aLen);
    s.c = Scratch.fit(s.c, cLen);
    s.a.position(0).put(a, aOff, aLen);
    boolean gaps = ldc != n;
    if (beta != 0f || gaps) {
      s.c.position(0).put(c, cOff, cLen);
    }
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        m, n, k, alpha, s.a.position(0), lda, b.position(0), ldb, beta, s.c.position(0), ldc);
    s.c.position(0).get(c, cOff, cLen);
  }

  /** Elements from the first to the last of a rows x cols matrix with row stride ld. */
  private static int span(int rows, int cols, int ld) {
    return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
  }
}
