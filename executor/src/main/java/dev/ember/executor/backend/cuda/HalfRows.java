package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;

/**
 * A GEMM's float32 A copied into 16-bit rows, the layout the GEMMs on 16-bit data read ({@link
 * WgmmaHalfDataSource}, and the pipelined mma.sync tiles with {@link HalfOperands#A_AND_B}):
 * [batch][M][ld] fp16 or bf16, ld K rounded up to 8 (16-byte rows), the padding zero. A route
 * that makes this copy before its product ({@link HalfRowsRoute}) lets a variant whose
 * activations are float32 reach kernels that round nothing on the tensor cores' side; the tuner
 * times the copy with the product, so it is taken only where the two together beat the GEMMs
 * that round A as they read it.
 *
 * <p>Rounding is the same as theirs ({@link MmaGemmSource#wordHelper}: {@code cvt.rn}, to nearest
 * even), so the products do not change.
 */
final class HalfRows {
  /** Threads per block of the copy kernel. */
  static final int THREADS = 256;

  /** Largest copy one route holds, in bytes: A of 4096 x 4096 takes 32 MiB. */
  static final long MAX_BYTES = 64L << 20;

  private HalfRows() {}

  /** "ember_half_rows_fp16". */
  static String kernelName(GemmPrecision p) {
    return "ember_half_rows_" + p.confName();
  }

  /**
   * {@code ember_half_rows_*(A, H, M, K, ld, aBatch, aRow, aCol)}: one thread per 16-byte chunk
   * of the copy (eight K values of one row), grid.y the batch. A row contiguous along K and
   * 16-byte aligned is read as two float4; any other strides element by element.
   */
  static String source(GemmPrecision p) {
    if (p != GemmPrecision.FP16 && p != GemmPrecision.BF16) {
      throw new IllegalArgumentException("16-bit rows are fp16 or bf16, not " + p.confName());
    }
    return "// Ember: a GEMM's float32 A copied into " + p.confName() + " rows of ld (K padded to"
        + " 8 with zeros)\n" + MmaGemmSource.wordHelper(p) + """
        extern "C" __global__ void %s(const float* __restrict__ A, unsigned* __restrict__ H,
            int M, int K, int ld, long long aBatch, int aRow, int aCol) {
          const int chunks = ld >> 3;
          const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
          if (t >= (long long)M * chunks) return;
          const int row = (int)(t / chunks);
          const int k0 = (int)(t - (long long)row * chunks) * 8;
          const float* p = A + blockIdx.y * aBatch + (long long)row * aRow + (long long)k0 * aCol;
          float v[8];
          if (aCol == 1 && k0 + 8 <= K && (((unsigned long long)p) & 15) == 0) {
            const float4 lo = *(const float4*)p;
            const float4 hi = *(const float4*)(p + 4);
            v[0] = lo.x; v[1] = lo.y; v[2] = lo.z; v[3] = lo.w;
            v[4] = hi.x; v[5] = hi.y; v[6] = hi.z; v[7] = hi.w;
          } else {
            for (int e = 0; e < 8; e++) {
              v[e] = k0 + e < K ? p[(long long)e * aCol] : 0.0f;  // past K: the zero padding
            }
          }
          uint4 w;
          w.x = ember_word(v[0], v[1]);
          w.y = ember_word(v[2], v[3]);
          w.z = ember_word(v[4], v[5]);
          w.w = ember_word(v[6], v[7]);
          *(uint4*)(H + ((long long)blockIdx.y * M + row) * (ld >> 1) + (k0 >> 1)) = w;
        }
        """.formatted(kernelName(p));
  }

  /** Elements between rows of the copy: K rounded up to a multiple of 8 (16 bytes). */
  static int rowStride(GemmShape s) {
    return HalfWeights.rowStride(s.k());
  }

  /** Bytes of the copy of {@code s}'s A. */
  static long bytes(GemmShape s) {
    return 2L * s.batch() * s.m() * rowStride(s);
  }

  /** Null when a route may copy {@code s}'s A, else why not (the copy's size). */
  static String whyNot(GemmShape s) {
    return bytes(s) > MAX_BYTES ? "A's 16-bit copy would take " + (bytes(s) >> 20) + " MiB (at"
        + " most " + (MAX_BYTES >> 20) + ")" : null;
  }

  static Dim3 grid(GemmShape s) {
    long threads = (long) s.m() * (rowStride(s) / 8);
    return Dim3.of(Math.toIntExact((threads + THREADS - 1) / THREADS), s.batch(), 1);
  }

  static Object[] args(long a, long copy, GemmShape s) {
    return new Object[] {a, copy, s.m(), s.k(), rowStride(s), s.aBatch(), s.aRow(), s.aCol()};
  }

  /**
   * {@code s} as the GEMM on the copies sees it: A the copy (rows of ld), B the weight's B^T copy
   * ({@link HalfWeights#kernelShape}, rows of the same ld), K padded to ld (both paddings are
   * zero, so the product is unchanged).
   */
  static GemmShape kernelShape(GemmShape s) {
    int ld = rowStride(s);
    return new GemmShape(s.batch(), s.m(), s.n(), ld, (long) s.m() * ld, ld, 1, 0, 1, ld,
        s.cBatch(), s.ldc(), s.alpha(), s.beta(), s.hasBias(), s.biasRow(), s.biasCol(),
        s.epilogue());
  }
}
