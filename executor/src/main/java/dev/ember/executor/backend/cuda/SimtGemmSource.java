package dev.ember.executor.backend.cuda;

/**
 * CUDA C of the float32 SIMT GEMM: a 64x64 output tile per block of 256 threads, each thread
 * computing 4x4 outputs from 32-deep K slices staged in shared memory. Every load is bounds-checked
 * (zero fill) and addressed through the shape's strides, so any M, N, K and layout works. Products
 * are summed in K order with {@code fmaf} in float32: this kernel is the device reference.
 */
final class SimtGemmSource {
  static final int TILE_M = 64;
  static final int TILE_N = 64;
  static final int TILE_K = 32;
  static final int THREADS = 256;

  /**
   * Statements both SIMT kernels open with: the offsets of this block's batch, and along which
   * dimension each operand is read so that consecutive threads read adjacent floats.
   */
  static final String BATCH_AND_LAYOUT = """
      const long long aOff = blockIdx.z * aBatch;
      const long long bOff = blockIdx.z * bBatch;
      const long long cOff = blockIdx.z * cBatch;
      // Consecutive threads walk an operand's unit-stride dimension, so loads coalesce.
      const bool aAlongK = aCol == 1;
      const bool bAlongN = bCol == 1 || bRow != 1;
      """;

  private SimtGemmSource() {}

  static String source(String name) {
    // Thread (tx, ty) owns rows ty + 16*i and columns tx + 16*j: a warp then reads 16 adjacent
    // B columns (no bank conflict) and two broadcast A rows per step. The next K slice is loaded
    // into registers while the current one is multiplied, so its global latency is hidden.
    return """
        // Ember fp32 SIMT GEMM: C = epilogue(alpha * A B + beta * bias), 64x64 tiles, 4x4 per
        // thread.
        // Three blocks per multiprocessor: without the bound the prefetch takes 168 registers
        // and one block fits; at 72 there are no spills.
        extern "C" __global__ void __launch_bounds__(256, 3) %1$s(%2$s) {
          __shared__ float As[32][64 + 4];  // As[k][m]; padding spreads the column writes
          __shared__ float Bs[32][64 + 4];  // Bs[k][n]
          const int tid = threadIdx.x;
          const int tx = tid & 15;
          const int ty = tid >> 4;
          const int m0 = blockIdx.y * 64;
          const int n0 = blockIdx.x * 64;
        %3$s
          float acc[4][4];
          for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
              acc[i][j] = 0.0f;
            }
          }
          float ra[8];
          float rb[8];
          // Element e of a slice: A row am and K ak; B K bk and column bn.
        #define EMBER_SIMT_LOAD(K0) \\
          for (int i = 0; i < 8; i++) { \\
            const int e = tid + i * 256; \\
            const int am = aAlongK ? (e >> 5) : (e & 63); \\
            const int ak = aAlongK ? (e & 31) : (e >> 6); \\
            const int gm = m0 + am; \\
            const int gka = (K0) + ak; \\
            ra[i] = (gm < M && gka < K) \\
                ? A[aOff + (long long)gm * aRow + (long long)gka * aCol] : 0.0f; \\
            const int bn = bAlongN ? (e & 63) : (e >> 5); \\
            const int bk = bAlongN ? (e >> 6) : (e & 31); \\
            const int gn = n0 + bn; \\
            const int gkb = (K0) + bk; \\
            rb[i] = (gn < N && gkb < K) \\
                ? B[bOff + (long long)gkb * bRow + (long long)gn * bCol] : 0.0f; \\
          }
          EMBER_SIMT_LOAD(0)
          for (int k0 = 0; k0 < K; k0 += 32) {
            for (int i = 0; i < 8; i++) {
              const int e = tid + i * 256;
              As[aAlongK ? (e & 31) : (e >> 6)][aAlongK ? (e >> 5) : (e & 63)] = ra[i];
              Bs[bAlongN ? (e >> 6) : (e & 31)][bAlongN ? (e & 63) : (e >> 5)] = rb[i];
            }
            __syncthreads();
            if (k0 + 32 < K) {
              EMBER_SIMT_LOAD(k0 + 32)
            }
            for (int kk = 0; kk < 32; kk++) {
              float a[4];
              float b[4];
              for (int i = 0; i < 4; i++) {
                a[i] = As[kk][ty + 16 * i];
                b[i] = Bs[kk][tx + 16 * i];
              }
              for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                  acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                }
              }
            }
            __syncthreads();
          }
        #undef EMBER_SIMT_LOAD
          for (int i = 0; i < 4; i++) {
            const int gm = m0 + ty + 16 * i;
            for (int j = 0; j < 4; j++) {
              const int gn = n0 + tx + 16 * j;
              if (gm < M && gn < N) {
                float v = alpha * acc[i][j];
                if (bias != 0) {
                  v = fmaf(beta, bias[(long long)gm * biasRow + (long long)gn * biasCol], v);
                }
                C[cOff + (long long)gm * ldc + gn] = ember_epilogue(v);
              }
            }
          }
        }
        """.formatted(name, GemmKernels.PARAMS, BATCH_AND_LAYOUT.indent(2).stripTrailing());
  }
}
