package dev.ember.executor.backend.cuda;

import static dev.ember.executor.backend.cuda.MmaAsyncGemmSource.macroLine;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.LBO;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.SBO;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.SLICE_K;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.THREADS;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.TILE_M;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.line;

/**
 * CUDA C of the experimental Hopper GEMM by a weight: float32 A, as a model's activations are,
 * times a weight's 16-bit B^T copy ({@link HalfWeights}), with {@code wgmma.mma_async} taking A
 * from registers and B from shared memory. Both operands are copied by {@code cp.async}, several
 * K slices of 32 ahead of the tensor cores: A as float32 rows ([m][k], 8 floats of padding a row,
 * so that a half-warp's 8-byte reads meet 32 distinct banks), B straight into the core-matrix
 * layout of {@link WgmmaHalfDataSource}. For each k16 step a thread reads its A fragment from
 * shared memory and rounds it to fp16 or bf16 in registers: four 8-byte reads a step, where the
 * products of the step take 64 x N x 16 multiply-adds of the warpgroup.
 *
 * <p>A's fragment of a warpgroup's m64nNk16 is, warp by warp, the fragment of {@code
 * mma.m16n8k16} ({@link MmaLayout}): warp w holds rows 16w to 16w + 15, register 0 row g at K 2t
 * and 2t + 1, register 1 row g + 8, registers 2 and 3 the same at K + 8. Registers a wgmma reads
 * may not change until it retires, so each slice waits for its products before the next slice's
 * fragments are read; the copies ahead keep memory busy meanwhile. (Alternating two register sets
 * to keep one slice's products in flight does not help: ptxas then serialises every wgmma,
 * C7513, because other instructions define wgmma inputs inside the pipeline stage.)
 *
 * <p>Needs A contiguous along K, K and A's row and batch strides multiples of 4 floats, and both
 * pointers on 16 bytes ({@link WgmmaGemm#onWeights}).
 */
final class WgmmaWeightsSource {
  /** Floats of padding after each shared A row. */
  static final int A_PAD = 8;
  /** Dynamic shared memory a block's stages may take: two blocks still fit a multiprocessor. */
  static final int SHARED_BUDGET = 96 * 1024;

  private WgmmaWeightsSource() {}

  /** Stages of the pipeline: as many as the budget holds, at most six. */
  static int stages(int warpgroups, int tileN) {
    return Math.min(6, SHARED_BUDGET / stageBytes(warpgroups, tileN));
  }

  /** The dynamic shared memory a block of the tile is launched with. */
  static int sharedBytes(int warpgroups, int tileN) {
    return stages(warpgroups, tileN) * stageBytes(warpgroups, tileN);
  }

  private static int stageBytes(int warpgroups, int tileN) {
    return TILE_M * warpgroups * (SLICE_K + A_PAD) * 4 + tileN * SLICE_K * 2;
  }

  /** The kernel of {@code warpgroups} x 64 by {@code tileN} tiles. */
  static String source(GemmPrecision p, String name, int warpgroups, int tileN) {
    if (warpgroups != 1 && warpgroups != 2 || tileN != WgmmaGemmSource.TILE_N) {
      throw new IllegalArgumentException("64 or 128 rows by 128 columns, not " + warpgroups
          + " warpgroups by " + tileN);
    }
    int tileM = TILE_M * warpgroups;
    int threads = THREADS * warpgroups;
    int stages = stages(warpgroups, tileN);
    int aRow = SLICE_K + A_PAD;
    int aCopies = tileM * (SLICE_K / 4) / threads;
    int bCopies = tileN * (SLICE_K / 8) / threads;
    int bWords = tileN * SLICE_K / 2;
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" wgmma GEMM by a weight (experimental): ")
        .append(tileM).append('x').append(tileN).append(" tiles, float32 A in registers, 16-bit B^T"
            + " from shared memory, ").append(stages).append("-stage cp.async pipeline; needs"
            + " sm_90a\n");
    s.append(MmaGemmSource.wordHelper(p));
    s.append("""
        // Two float32 neighbours along K (8-byte aligned), rounded and packed even-low.
        __device__ __forceinline__ unsigned ember_pair(const float* p) {
          const float2 v = *reinterpret_cast<const float2*>(p);
          return ember_word(v.x, v.y);
        }
        """);
    s.append(MmaAsyncGemmSource.CP16);
    s.append(helpers(p, tileN));
    s.append("extern \"C\" __global__ void __launch_bounds__(").append(threads).append(") ")
        .append(name).append('(').append(GemmKernels.PARAMS_HALF_B).append(") {\n");
    s.append(line("extern __shared__ __align__(128) float ember_smem[];"));
    s.append(line("float (*As)[%d][%d] = reinterpret_cast<float (*)[%d][%d]>(ember_smem);", tileM,
        aRow, tileM, aRow));
    s.append(line("unsigned (*Bs)[%d] = reinterpret_cast<unsigned (*)[%d]>(ember_smem + %d);",
        bWords, bWords, stages * tileM * aRow));
    s.append(WgmmaGemmSource.blockCoordinates(tileM, tileN));
    s.append(line("const int kTiles = (K + %d) / %d;", SLICE_K - 1, SLICE_K));
    s.append("#define EMBER_LOAD(st, k0) \\\n");
    s.append(macroLine("for (int i = 0; i < %d; i++) {", aCopies));
    s.append(macroLine("  const int u = tid + i * %d, r = u >> 3, c = (u & 7) * 4;", threads));
    s.append(macroLine("  const int gm = m0 + r, gk = (k0) + c;"));
    s.append(macroLine("  const bool ok = gm < M && gk < K;"));
    s.append(macroLine("  ember_cp16(&As[st][r][c], ok ? A + aOff + (long long)gm * aRow + gk"
        + " : A, ok);"));
    s.append(macroLine("}"));
    s.append(MmaAsyncGemmSource.lastLine(WgmmaHalfDataSource.copies("Bs", "B", "bOff", "n0", "N",
        "bCol", bCopies, threads, SLICE_K)));
    s.append(line("const int r0 = wg * %d + warp * 16 + g;", TILE_M));
    s.append(WgmmaHalfDataSource.pipelineStart(stages, stages - 1, SLICE_K));
    s.append(line("  unsigned af[%d][4];", SLICE_K / 16));
    s.append(line("  #pragma unroll"));
    s.append(line("  for (int step = 0; step < %d; step++) {", SLICE_K / 16));
    s.append(line("    const int k = step * 16 + 2 * t;"));
    s.append(line("    af[step][0] = ember_pair(&As[st][r0][k]);"));
    s.append(line("    af[step][1] = ember_pair(&As[st][r0 + 8][k]);"));
    s.append(line("    af[step][2] = ember_pair(&As[st][r0][k + 8]);"));
    s.append(line("    af[step][3] = ember_pair(&As[st][r0 + 8][k + 8]);"));
    s.append(line("  }"));
    s.append(line("  asm volatile(\"wgmma.fence.sync.aligned;\" ::: \"memory\");"));
    for (int step = 0; step < SLICE_K / 16; step++) {
      s.append(line("  ember_wgmma_rs(acc, af[%d], ember_desc(&Bs[st][%d]));", step,
          step * 2 * LBO / 4));
    }
    s.append(line("  asm volatile(\"wgmma.commit_group.sync.aligned;\" ::: \"memory\");"));
    s.append(line("  asm volatile(\"wgmma.wait_group.sync.aligned 0;\" ::: \"memory\");"));
    s.append(line("}"));
    s.append("#undef EMBER_LOAD\n");
    s.append(WgmmaGemmSource.storeAccumulators(tileN));
    s.append("}\n");
    return s.toString();
  }

  /**
   * {@code ember_desc} for B and {@code ember_wgmma_rs}: m64n{@code tileN}k16 with A in four
   * registers (no transpose flag for A: registers have no layout choice).
   */
  private static String helpers(GemmPrecision p, int tileN) {
    int regs = tileN / 2;
    return WgmmaGemmSource.DESCRIPTOR + """
        __device__ __forceinline__ void ember_wgmma_rs(float* d, const unsigned* a,
            unsigned long long db) {
          asm volatile("{\\n.reg .pred p;\\nsetp.ne.b32 p, %%%2$d, 0;\\n"
              "wgmma.mma_async.sync.aligned.m64n%3$dk16.f32.%1$s.%1$s {%4$s},"
              " {%%%5$d, %%%6$d, %%%7$d, %%%8$d}, %%%9$d, p, 1, 1, 0;\\n}\\n"
              : %10$s
              : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(1));
        }
        """.formatted(WgmmaGemmSource.inputType(p), regs + 5, tileN,
        WgmmaGemmSource.accumulatorOperands(regs), regs, regs + 1, regs + 2, regs + 3, regs + 4,
        WgmmaGemmSource.accumulatorOutputs(regs));
  }
}
