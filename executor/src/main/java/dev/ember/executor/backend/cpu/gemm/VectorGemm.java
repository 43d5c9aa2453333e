package dev.ember.executor.backend.cpu.gemm;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GEMM written with the JDK's Vector API ({@code jdk.incubator.vector}), blocked the way BLAS
 * libraries are: B packed into panels of two vectors' width, A copied per call into blocks of
 * rows (or read in place for narrow products), and a register-blocked kernel that keeps the
 * {@link VectorKernel#ROWS} x 2 vectors of C in registers over a block of {@code KC} steps of k.
 *
 * <p>Why it exists: OpenBLAS picks its kernels by CPU model when it loads, and machines that pin
 * it (OPENBLAS_CORETYPE) or that it does not know run its older kernels at half the speed. This
 * one runs at the JVM's widest vectors wherever it starts, so {@link GemmChoice} measures it
 * beside OpenBLAS and keeps the faster. Available only when the JVM starts with
 * {@code --add-modules=jdk.incubator.vector}.
 *
 * <p>Until C2 has compiled the kernel ({@link KernelWarmUp}), products run on OpenBLAS: a weight
 * prepared in that time also gets a native copy for OpenBLAS, dropped at its first product on the
 * kernel (an executor's first batches run at OpenBLAS's speed, not at the speed of one OpenBLAS
 * call per packed panel, which copied the whole of C each time: 1 s on MiniLM's first batch);
 * other products run on OpenBLAS over the packed panels.
 *
 * <p>Blocking: a packed B panel (KC x 2 vectors, 32 KiB with 512-bit vectors) stays in L1 while
 * the kernel walks the MC rows of packed A, which stay in L2.
 */
public final class VectorGemm implements Gemm {
  /** Steps of k per packed block. */
  static final int KC = 256;
  /** Rows of A packed per block (a multiple of the kernel's rows). */
  static final int MC = 96;
  /** Products at most this many column panels wide read A in place instead of packing it. */
  static final int NARROW = 4;

  private static final SharedWeights SHARED = new SharedWeights();
  /** How much faster than the kernel the fallback must measure to run the products instead. */
  private static final double FALLBACK_MARGIN = 1.1;

  private static final Logger LOG = LoggerFactory.getLogger(VectorGemm.class);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final VectorKernel kernel;
  /** Runs the products until the kernel is compiled ({@link KernelWarmUp}); loaded on first use. */
  private volatile Gemm fallback;
  private final Mode mode;
  /** Whether the compiled kernel measured faster than the fallback; false until measured. */
  private static volatile boolean kernelFaster;

  /** Which of the kernel and the fallback run the products. */
  enum Mode {
    /** The fallback until the kernel is compiled; then the faster of the two. */
    BEST,
    /** Always the kernel (tests, and the comparison itself). */
    KERNEL,
    /** Always the fallback (tests, and the comparison itself). */
    FALLBACK
  }

  /** Per-thread packed A, packed B (for products whose B is not a weight) and an edge tile. */
  private static final class Scratch {
    float[] a = new float[0];
    float[] b = new float[0];
    float[] tile = new float[0];
  }

  /**
   * Bytes of native weight copies made for the first products, at most: they exist only until the
   * kernel runs, but a large model should not need its weights a third time in native memory.
   */
  private static final long EARLY_COPY_BYTES = 512L << 20;
  private static final AtomicLong EARLY_COPIED = new AtomicLong();

  /** B packed once: k-blocks of KC, each a row of panels of {@code width} columns. */
  static final class Packed extends Prepared {
    final float[] panels;
    /** OpenBLAS's copy of B for products before the kernel runs; null once it does. */
    volatile Prepared early;

    Packed(float[] panels, int k, int n, boolean transB) {
      super(null, k, n, transB); // holding b would keep the weak cache's key alive
      this.panels = panels;
    }
  }

  /** Loads the Vector API kernel, or throws KERNEL_FAILED saying how to enable it. */
  public VectorGemm() {
    this(Mode.BEST);
  }

  VectorGemm(Mode mode) {
    if (!moduleLoaded()) {
      throw Errors.of(ErrorCode.KERNEL_FAILED,
          "the Vector API GEMM needs the module jdk.incubator.vector, which this JVM did not load",
          "start the JVM with --add-modules=jdk.incubator.vector (for Spark: in "
              + "spark.driver.extraJavaOptions and spark.executor.extraJavaOptions)");
    }
    this.kernel = new VectorKernel();
    this.mode = mode;
    if (mode == Mode.BEST) {
      KernelWarmUp.start(kernel, VectorGemm::compareOnce);
    }
  }

  /**
   * Once the kernel runs compiled: the kernel against the fallback on the product GemmChoice
   * measures, so that BEST never runs slower than the fallback (on a CPU whose vectors the kernel
   * suits less than the BLAS does).
   */
  private static void compareOnce() {
    VectorGemm k = new VectorGemm(Mode.KERNEL);
    VectorGemm f = new VectorGemm(Mode.FALLBACK);
    double kernelGflops = 0;
    double fallbackGflops = 0;
    // Each measurement lasts milliseconds and this runs while the executor loads and compiles, so
    // best of many interleaved rounds, and the fallback must win clearly: once a bad round of the
    // kernel's sent the whole bench to the fallback (0.57x ONNX Runtime instead of 0.84x).
    for (int round = 0; round < 9; round++) {
      kernelGflops = Math.max(kernelGflops, GemmChoice.gflops(k));
      fallbackGflops = Math.max(fallbackGflops, GemmChoice.gflops(f));
    }
    kernelFaster = kernelGflops * FALLBACK_MARGIN > fallbackGflops;
    LOG.info("Vector API GEMM: kernel {} GFLOP/s, {} {} GFLOP/s; products run on the {}",
        kernelGflops, f.fallback().name(), fallbackGflops, kernelFaster ? "kernel" : "fallback");
  }

  /**
   * OpenBLAS when it loads, else plain Java. Not netlib: its bounds check wants whole rows of
   * lda after an offset, which a k-block's columns in the middle of A do not have.
   */
  private Gemm fallback() {
    Gemm f = fallback;
    if (f == null) {
      synchronized (this) {
        f = fallback;
        if (f == null) {
          try {
            f = new OpenBlasGemm(1);
          } catch (RuntimeException | LinkageError e) {
            f = new JavaGemm();
          }
          fallback = f;
        }
      }
    }
    return f;
  }

  /**
   * Starts the kernel's warm-up now, where this JVM has the Vector API, rather than when the first
   * GEMM is chosen (a no-op after the first call).
   */
  public static void warmUpEarly() {
    if (moduleLoaded()) {
      KernelWarmUp.start(new VectorKernel(), VectorGemm::compareOnce);
    }
  }

  /** Whether this JVM has the Vector API module (started with --add-modules). */
  public static boolean moduleLoaded() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Waits at most {@code millis} for the kernel to run compiled; true when it does. */
  public boolean awaitKernel(long millis) throws InterruptedException {
    return mode != Mode.FALLBACK && KernelWarmUp.await(millis);
  }

  @Override
  public String name() {
    return "vector";
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
    int size = packedSize(k, n);
    if (s.b.length < size) {
      s.b = new float[size];
    }
    packB(b, bOff, ldb, transB, k, n, s.b);
    run(s, m, n, k, alpha, a, aOff, lda, transA, s.b, beta, c, cOff, ldc);
  }

  @Override
  public Prepared prepare(float[] b, int k, int n, boolean transB) {
    return SHARED.get(b, k, n, transB, () -> {
      float[] panels = new float[packedSize(k, n)];
      packB(b, 0, transB ? k : n, transB, k, n, panels);
      Packed p = new Packed(panels, k, n, transB);
      if (!kernelRuns() && fallback() instanceof OpenBlasGemm blas
          && EARLY_COPIED.addAndGet(4L * k * n) <= EARLY_COPY_BYTES) {
        p.early = blas.copy(b, k, n, transB);
      }
      return p;
    });
  }

  @Override
  public void multiply(
      int m, float alpha, float[] a, int aOff, int lda, boolean transA,
      Prepared w, float beta, float[] c, int cOff, int ldc) {
    if (JavaGemm.empty(m, w.n, w.k, beta, c, cOff, ldc)) {
      return;
    }
    Packed p = (Packed) w;
    Prepared early = p.early;
    if (early != null) {
      if (!kernelRuns()) {
        fallback().multiply(m, alpha, a, aOff, lda, transA, early, beta, c, cOff, ldc);
        return;
      }
      p.early = null; // its native memory goes with it (JavaCPP frees it once collected)
      // Another thread may still be in a product on it: it keeps its own reference.
    }
    run(SCRATCH.get(), m, w.n, w.k, alpha, a, aOff, lda, transA, p.panels, beta, c, cOff, ldc);
  }

  /** Whether products run on the kernel now, rather than on the fallback. */
  private boolean kernelRuns() {
    return mode == Mode.KERNEL || mode == Mode.BEST && KernelWarmUp.ready() && kernelFaster;
  }

  private int width() {
    return kernel.width();
  }

  private int paddedN(int n) {
    int w = width();
    return (n + w - 1) / w * w;
  }

  private int packedSize(int k, int n) {
    return k * paddedN(n);
  }

  /**
   * Packs op(B) (k x n) so that block {@code k0} starts at {@code k0 * paddedN}, its panel
   * {@code p} at {@code + p * kc * width}, and step {@code kk} of that panel is {@code width}
   * consecutive floats (zeros past column n).
   */
  private void packB(float[] b, int bOff, int ldb, boolean transB, int k, int n, float[] dst) {
    int w = width();
    int np = paddedN(n);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      for (int j0 = 0; j0 < np; j0 += w) {
        int base = k0 * np + j0 * kc;
        int cols = Math.min(w, n - j0);
        for (int kk = 0; kk < kc; kk++) {
          int d = base + kk * w;
          int row = k0 + kk;
          if (transB) {
            for (int j = 0; j < cols; j++) {
              dst[d + j] = b[bOff + (j0 + j) * ldb + row];
            }
          } else {
            // A copy, not a loop: weights are packed at load, before the JIT compiles anything.
            System.arraycopy(b, bOff + row * ldb + j0, dst, d, cols);
          }
          Arrays.fill(dst, d + cols, d + w, 0f);
        }
      }
    }
  }

  /**
   * Copies rows [i0, i0 + mc) and steps [k0, k0 + kc) of op(A) into {@code dst} as a row-major
   * mc x kc block, padded with zero rows to whole panels of ROWS.
   */
  private static void packA(float[] a, int aOff, int lda, boolean transA, int i0, int mc, int k0,
      int kc, float[] dst) {
    int rows = VectorKernel.ROWS;
    int padded = (mc + rows - 1) / rows * rows;
    for (int r = 0; r < padded; r++) {
      int d = r * kc;
      if (r >= mc) {
        Arrays.fill(dst, d, d + kc, 0f);
      } else if (transA) {
        int src = aOff + k0 * lda + i0 + r;
        for (int kk = 0; kk < kc; kk++) {
          dst[d + kk] = a[src + kk * lda];
        }
      } else {
        System.arraycopy(a, aOff + (i0 + r) * lda + k0, dst, d, kc);
      }
    }
  }

  private void run(Scratch s, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA, float[] pb,
      float beta, float[] c, int cOff, int ldc) {
    if (!kernelRuns()) {
      onFallback(m, n, k, alpha, a, aOff, lda, transA, pb, beta, c, cOff, ldc);
      return;
    }
    int rows = VectorKernel.ROWS;
    int w = width();
    int np = paddedN(n);
    int aSize = MC * Math.min(KC, k);
    if (s.a.length < aSize) {
      s.a = new float[aSize];
    }
    if (s.tile.length < rows * w) {
      s.tile = new float[rows * w];
    }
    float[] pa = s.a;
    float[] tile = s.tile;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      // Later k-blocks add to what the first wrote.
      float blockBeta = k0 == 0 ? beta : 1f;
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = Math.min(MC, m - i0);
        // Packed rows run the kernel faster (measured 190 against 172 GFLOP/s on MiniLM's
        // weights), which pays for packing when the panel is reused over many columns; for
        // narrow products (attention's, n = sequence length) the packing would dominate, so the
        // rows of an untransposed A are read in place. A transposed A, and the rows short of a
        // whole panel, are always packed.
        int inPlace = transA || n > NARROW * w ? 0 : mc / rows * rows;
        packA(a, aOff, lda, transA, i0 + inPlace, mc - inPlace, k0, kc, pa);
        for (int j0 = 0; j0 < n; j0 += w) {
          int bOff = k0 * np + j0 * kc;
          int cols = Math.min(w, n - j0);
          for (int r0 = 0; r0 < mc; r0 += rows) {
            int cAt = cOff + (i0 + r0) * ldc + j0;
            boolean direct = r0 < inPlace;
            float[] src = direct ? a : pa;
            int at = direct ? aOff + (i0 + r0) * lda + k0 : (r0 - inPlace) * kc;
            int rowStride = direct ? lda : kc;
            if (cols == w && r0 + rows <= mc) {
              kernel.multiply(kc, src, at, rowStride, pb, bOff, alpha, blockBeta, c, cAt,
                  ldc);
            } else {
              kernel.multiply(kc, src, at, rowStride, pb, bOff, alpha, 0f, tile, 0, w);
              merge(tile, w, Math.min(rows, mc - r0), cols, blockBeta, c, cAt, ldc);
            }
          }
        }
      }
    }
  }

  /**
   * The same product on {@link #fallback}, reading B where it lies packed: each k-block's panel is
   * a kc x width row-major matrix, so it is one product per panel and k-block.
   */
  private void onFallback(int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      boolean transA, float[] pb, float beta, float[] c, int cOff, int ldc) {
    Gemm f = fallback();
    int w = width();
    int np = paddedN(n);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      float blockBeta = k0 == 0 ? beta : 1f;
      int aAt = aOff + (transA ? k0 * lda : k0);
      for (int j0 = 0; j0 < n; j0 += w) {
        f.multiply(m, Math.min(w, n - j0), kc, alpha, a, aAt, lda, transA,
            pb, k0 * np + j0 * kc, w, false, blockBeta, c, cOff + j0, ldc);
      }
    }
  }

  /** C = tile + beta * C on the part of an edge tile that lies inside C. */
  private static void merge(float[] tile, int w, int rows, int cols, float beta, float[] c,
      int cAt, int ldc) {
    for (int i = 0; i < rows; i++) {
      int t = i * w;
      int o = cAt + i * ldc;
      for (int j = 0; j < cols; j++) {
        c[o + j] = beta == 0f ? tile[t + j] : tile[t + j] + beta * c[o + j];
      }
    }
  }
}
