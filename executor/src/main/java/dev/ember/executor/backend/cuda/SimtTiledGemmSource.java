package dev.ember.executor.backend.cuda;

/**
 * CUDA C of the register-blocked float32 SIMT GEMM for one {@link SimtTile}: each thread owns 8x8
 * outputs, as two 4-row by two 4-column groups a tile half apart, so that per K step it reads
 * its 16 operands from shared memory as four 16-byte loads and makes 64 FMAs with them (the 64x64
 * reference kernel, {@link SimtGemmSource}, makes 16 FMAs per 8 loads). K runs in 8-deep slices
 * through two shared buffers: the next slice is loaded into registers while the current one is
 * multiplied, then stored into the other buffer, one barrier per slice.
 *
 * <p>Operands are read as the reference reads them: bounds-checked with zero fill, through the
 * shape's strides, consecutive threads along an operand's unit-stride dimension. Each output is
 * {@code fmaf}-summed in K order from zero and stored through the same epilogue, so this kernel
 * computes exactly what the reference computes, bit for bit.
 */
final class SimtTiledGemmSource {
  /**
   * Floats added to each shared row: a thread copying A along K writes 8 rows of one column, and
   * rows of {@code rows + 4} floats put those 8 floats in 8 different banks, while rows stay 16
   * bytes aligned for the vector reads.
   */
  static final int PAD = 4;

  /** Whether A, and B, are read along K: the kernel's flags as C expressions. */
  private static final String A_ALONG_K = "aAlongK";
  private static final String B_ALONG_K = "!bAlongN";

  private SimtTiledGemmSource() {}

  static String source(SimtTile t, String name) {
    int rows = t.rows();
    int cols = t.cols();
    int threads = t.threads();
    int k = SimtTile.K;
    int aLoads = rows * k / threads;
    int bLoads = cols * k / threads;
    StringBuilder s = new StringBuilder();
    s.append("// Ember fp32 SIMT GEMM: C = epilogue(alpha * A B + beta * bias), ").append(rows)
        .append('x').append(cols).append(" tiles, 8x8 outputs per thread.\n");
    s.append("extern \"C\" __global__ void __launch_bounds__(").append(threads).append(", ")
        .append(t.blocksPerSm()).append(") ").append(name).append('(')
        .append(GemmKernels.PARAMS).append(") {\n");
    s.append(String.format("""
          __shared__ __align__(16) float As[2][%1$d][%2$d];  // As[buffer][k][m]
          __shared__ __align__(16) float Bs[2][%1$d][%3$d];  // Bs[buffer][k][n]
          const int tid = threadIdx.x;
          const int tx = tid %% %4$d;
          const int ty = tid / %4$d;
          const int m0 = blockIdx.y * %5$d;
          const int n0 = blockIdx.x * %6$d;
        %9$s
          float acc[8][8];
          #pragma unroll
          for (int i = 0; i < 8; i++) {
            #pragma unroll
            for (int j = 0; j < 8; j++) {
              acc[i][j] = 0.0f;
            }
          }
          float ra[%7$d];
          float rb[%8$d];
        """, k, rows + PAD, cols + PAD, cols / 8, rows, cols, aLoads, bLoads,
        SimtGemmSource.BATCH_AND_LAYOUT.indent(2).stripTrailing()));
    s.append(load(t, "0", aLoads, bLoads));
    s.append(store(t, "0", aLoads, bLoads));
    s.append(String.format("""
          __syncthreads();
          int buf = 0;
          for (int k0 = 0; k0 < K; k0 += %1$d) {
            const bool more = k0 + %1$d < K;
            if (more) {
        %2$s    }
            #pragma unroll
            for (int kk = 0; kk < %1$d; kk++) {
              const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
              const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][%3$d + ty * 4]);
              const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
              const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][%4$d + tx * 4]);
              const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
              const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
              #pragma unroll
              for (int i = 0; i < 8; i++) {
                #pragma unroll
                for (int j = 0; j < 8; j++) {
                  acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                }
              }
            }
            if (more) {
        %5$s    }
            __syncthreads();
            buf ^= 1;
          }
        """, k, load(t, "k0 + " + k, aLoads, bLoads).indent(4), rows / 2, cols / 2,
        store(t, "buf ^ 1", aLoads, bLoads).indent(4)));
    s.append(String.format("""
          // Four adjacent outputs go out as one 16-byte store where C's rows allow it.
          const bool vector = (ldc & 3) == 0 && (((unsigned long long)(C + cOff)) & 15) == 0;
          #pragma unroll
          for (int i = 0; i < 8; i++) {
            const int gm = m0 + (i < 4 ? ty * 4 + i : %1$d + ty * 4 + i - 4);
            #pragma unroll
            for (int h = 0; h < 2; h++) {
              const int gn = n0 + h * %2$d + tx * 4;
              if (gm >= M || gn >= N) {
                continue;
              }
              float v[4];
              #pragma unroll
              for (int j = 0; j < 4; j++) {
                v[j] = alpha * acc[i][h * 4 + j];
                if (bias != 0 && gn + j < N) {
                  v[j] = fmaf(beta, bias[(long long)gm * biasRow + (long long)(gn + j) * biasCol],
                      v[j]);
                }
                v[j] = ember_epilogue(v[j]);
              }
              float* c = C + cOff + (long long)gm * ldc + gn;
              if (vector && gn + 3 < N) {
                float4 out;
                out.x = v[0];
                out.y = v[1];
                out.z = v[2];
                out.w = v[3];
                *reinterpret_cast<float4*>(c) = out;
              } else {
                #pragma unroll
                for (int j = 0; j < 4; j++) {
                  if (gn + j < N) {
                    c[j] = v[j];
                  }
                }
              }
            }
          }
        }
        """, rows / 2, cols / 2));
    return s.toString();
  }

  /**
   * Statements loading the K slice starting at {@code k0} into {@code ra} and {@code rb}: element
   * {@code e} of a slice lies at {@link #row} and {@link #k} of its operand.
   */
  private static String load(SimtTile t, String k0, int aLoads, int bLoads) {
    return String.format("""
          #pragma unroll
          for (int i = 0; i < %1$d; i++) {
            const int e = tid + i * %3$d;
            const int gm = m0 + %4$s;
            const int gk = %8$s + %5$s;
            ra[i] = gm < M && gk < K
                ? A[aOff + (long long)gm * aRow + (long long)gk * aCol] : 0.0f;
          }
          #pragma unroll
          for (int i = 0; i < %2$d; i++) {
            const int e = tid + i * %3$d;
            const int gn = n0 + %6$s;
            const int gk = %8$s + %7$s;
            rb[i] = gn < N && gk < K
                ? B[bOff + (long long)gk * bRow + (long long)gn * bCol] : 0.0f;
          }
        """, aLoads, bLoads, t.threads(), row(A_ALONG_K, t.rows()), k(A_ALONG_K, t.rows()),
        row(B_ALONG_K, t.cols()), k(B_ALONG_K, t.cols()), k0);
  }

  /** Statements storing {@code ra} and {@code rb} into shared buffer {@code buf}. */
  private static String store(SimtTile t, String buf, int aLoads, int bLoads) {
    return String.format("""
          #pragma unroll
          for (int i = 0; i < %1$d; i++) {
            const int e = tid + i * %3$d;
            As[%8$s][%5$s][%4$s] = ra[i];
          }
          #pragma unroll
          for (int i = 0; i < %2$d; i++) {
            const int e = tid + i * %3$d;
            Bs[%8$s][%7$s][%6$s] = rb[i];
          }
        """, aLoads, bLoads, t.threads(), row(A_ALONG_K, t.rows()), k(A_ALONG_K, t.rows()),
        row(B_ALONG_K, t.cols()), k(B_ALONG_K, t.cols()), buf);
  }

  /**
   * The tile row (A's m, B's n) of slice element {@code e} of an operand with {@code rows} tile
   * rows: read along K, 8 consecutive elements are one row's K values; else {@code rows}
   * consecutive elements are one K value's rows.
   */
  private static String row(String alongK, int rows) {
    return "(" + alongK + " ? e / " + SimtTile.K + " : e % " + rows + ")";
  }

  /** The K (within the slice) of slice element {@code e}; see {@link #row}. */
  private static String k(String alongK, int rows) {
    return "(" + alongK + " ? e % " + SimtTile.K + " : e / " + rows + ")";
  }
}
