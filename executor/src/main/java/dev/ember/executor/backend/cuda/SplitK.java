package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import dev.ember.executor.backend.cuda.GpuDriver.Dim3;

/**
 * Split-K for thin GEMMs: a product whose output makes too few tiles to fill the device (MiniLM's
 * 384-wide projections at a few sentences: 6 to 24 tiles on 132 multiprocessors) is cut along K
 * into {@code splits} slices that run as one batched launch of the same tile kernel, each slice
 * writing its partial product into a workspace; a reduce kernel then sums the slices in slice
 * order (deterministic, unlike atomics) and applies alpha and the bias.
 *
 * <p>The slices need no kernel of their own: slice {@code s} is batch entry {@code s} of a
 * derived shape whose batch strides step A and B by one K slice ({@link #partial}).
 */
final class SplitK {
  /** Split counts tried per shape. */
  static final int[] COUNTS = {2, 4, 8};

  /** Shortest K slice worth a launch: below it the reduce costs more than the slice saves. */
  static final int MIN_SLICE = 64;

  /** Largest workspace one split route may hold, in bytes. */
  static final long MAX_WORKSPACE = 32L << 20;

  static final String REDUCE_KERNEL = "ember_gemm_splitk_reduce";

  /** The reduce kernel's name with {@code e}: "ember_gemm_splitk_reduce_e1a2b3c4d". */
  static String reduceKernel(GemmEpilogue e) {
    return REDUCE_KERNEL + e.suffix();
  }

  private SplitK() {}

  /**
   * Null when {@code s} can run as {@code splits} K slices, else why not: one matrix (the batch
   * dimension carries the slices), K a multiple of {@code splits} slices of at least {@link
   * #MIN_SLICE} (and of 16, so slices keep 16-byte rows), and a workspace within {@link
   * #MAX_WORKSPACE}.
   */
  static String whyNot(GemmShape s, int splits) {
    if (s.batch() != 1) {
      return "a batched GEMM already fills the device along its batch";
    }
    if (s.k() % splits != 0 || (s.k() / splits) % 16 != 0) {
      return "K " + s.k() + " does not cut into " + splits + " slices of a multiple of 16";
    }
    if (s.k() / splits < MIN_SLICE) {
      return "slices of " + s.k() / splits + " are shorter than " + MIN_SLICE;
    }
    if (workspaceBytes(s, splits) > MAX_WORKSPACE) {
      return "the workspace would take " + (workspaceBytes(s, splits) >> 20) + " MiB";
    }
    return null;
  }

  /** The partial products as one batched GEMM: slice z of K into workspace matrix z. */
  static GemmShape partial(GemmShape s, int splits) {
    int slice = s.k() / splits;
    return new GemmShape(splits, s.m(), s.n(), slice, (long) slice * s.aCol(), s.aRow(), s.aCol(),
        (long) slice * s.bRow(), s.bRow(), s.bCol(), (long) s.m() * s.n(), s.n(), 1f, 0f, false,
        0, 0);
  }

  static long workspaceBytes(GemmShape s, int splits) {
    return 4L * splits * s.m() * s.n();
  }

  /**
   * {@code ember_gemm_splitk_reduce(C, W, bias, M, N, splits, ldc, alpha, beta, biasRow,
   * biasCol)}: {@code C[i][j] = epilogue(alpha * sum_z W[z][i][j] + beta * bias[i][j])}, slices
   * summed in order; no bias read when {@code bias} is 0. The partial products store theirs as
   * they are ({@link #partial}); the epilogue runs here, once, on the sum.
   */
  static String reduceSource(GemmEpilogue epilogue) {
    return epilogue.function() + GemmKernels.overC(reduceKernel(epilogue),
        "float* __restrict__ C, const float* __restrict__ W, const float* __restrict__ bias,"
        + " int M, int N, int splits, int ldc, float alpha, float beta, int biasRow, int biasCol",
        """
        const long long plane = (long long)M * N;
        const long long at = (long long)i * N + j;
        float sum = 0.0f;
        for (int z = 0; z < splits; z++) {
          sum += W[z * plane + at];
        }
        float v = alpha * sum;
        if (bias != 0) {
          v = fmaf(beta, bias[(long long)i * biasRow + (long long)j * biasCol], v);
        }
        C[(long long)i * ldc + j] = ember_epilogue(v);""");
  }

  static Geometry reduceGeometry(GemmShape s) {
    return new Geometry(Dim3.of(GemmKernels.ceilDiv(s.n(), 32), GemmKernels.ceilDiv(s.m(), 8), 1),
        Dim3.of(32, 8, 1), 0);
  }

  static Object[] reduceArgs(long c, long workspace, long bias, GemmShape s, int splits) {
    boolean withBias = s.hasBias();
    return new Object[] {c, workspace, withBias ? bias : 0L, s.m(), s.n(), splits, s.ldc(),
        s.alpha(), s.beta(), withBias ? s.biasRow() : 0, withBias ? s.biasCol() : 0};
  }
}
