package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.stream.Collectors;

/**
 * The generated GEMM kernels: their CUDA C (header-free, for NVRTC), launch geometry and
 * arguments. Pure code generation; {@link GeneratedGemm} compiles and launches them.
 *
 * <p>Every precision has one kernel with the same parameters ({@link #PARAMS}), one thread block
 * per output tile and {@code grid.z} = batch. FP32 is a SIMT kernel (the exact device reference,
 * and the one the host emulator runs); TF32, FP16 and BF16 use {@code mma.sync} tensor-core
 * instructions through inline PTX and need sm_80.
 */
public final class GemmKernels {
  /** The kernel parameters, in order; {@link #args} matches them. */
  static final String PARAMS = "const float* __restrict__ A, const float* __restrict__ B,"
      + " float* __restrict__ C, const float* __restrict__ bias, int M, int N, int K,"
      + " long long aBatch, int aRow, int aCol, long long bBatch, int bRow, int bCol,"
      + " long long cBatch, int ldc, float alpha, float beta, int biasRow, int biasCol";

  /** {@link #PARAMS} of a kernel that reads B as its 16-bit copy ({@link HalfWeights}). */
  static final String PARAMS_HALF_B = PARAMS.replace("const float* __restrict__ B",
      "const unsigned short* __restrict__ B");

  /** {@link #PARAMS} of a kernel that reads A and B as 16-bit copies ({@link HalfRows}). */
  static final String PARAMS_HALF_AB = PARAMS_HALF_B.replace("const float* __restrict__ A",
      "const unsigned short* __restrict__ A");

  /** The parameters of a kernel reading {@code h} in 16 bits. */
  static String params(HalfOperands h) {
    return switch (h) {
      case NONE -> PARAMS;
      case B -> PARAMS_HALF_B;
      case A_AND_B -> PARAMS_HALF_AB;
    };
  }

  /** The largest batch: grid.z is limited to 65535 blocks. */
  static final int MAX_BATCH = 65535;

  /** Kernel that writes {@code C = beta * bias} before a library GEMM adds {@code A B}. */
  static final String BIAS_FILL_KERNEL = "ember_gemm_bias_fill";

  private GemmKernels() {}

  /** Launch shape of one kernel. {@code sharedBytes} is the dynamic shared memory (0: static). */
  public record Geometry(Dim3 grid, Dim3 block, int sharedBytes) {}

  /** The kernel's name for the largest tile, e.g. "ember_gemm_tf32_t128k32" ("ember_gemm_fp32"). */
  public static String kernelName(GemmPrecision p) {
    return kernelName(p, MmaTile.T128_K32);
  }

  /** The kernel's name for {@code tile} (ignored for FP32, which has one SIMT kernel). */
  static String kernelName(GemmPrecision p, MmaTile tile) {
    return kernelName(p, tile, GemmEpilogue.NONE);
  }

  /** The kernel's name for {@code tile} and epilogue {@code e}: "ember_gemm_fp16_t64k16_e..". */
  static String kernelName(GemmPrecision p, MmaTile tile, GemmEpilogue e) {
    return kernelName(p, tile, e, HalfOperands.NONE);
  }

  /**
   * Like {@link #kernelName(GemmPrecision, MmaTile, GemmEpilogue)}; "_hb" reads B in halves,
   * "_hab" A too.
   */
  static String kernelName(GemmPrecision p, MmaTile tile, GemmEpilogue e, HalfOperands h) {
    String base = "ember_gemm_" + p.confName();
    String tiled = p != GemmPrecision.FP32 ? base + "_" + tile.suffix()
        : splitsTf32(p, tile) ? base + "_3xtf32_" + tile.suffix() : base;
    return tiled + h.kernelSuffix() + e.suffix();
  }

  /**
   * Whether {@code p}'s kernel with {@code tile} runs fp32 on tensor cores, each input split into
   * two tf32 words (3xTF32, sm_80 and later): fp32 on a pipelined tile. Fp32's other kernel, for
   * every other tile, is the SIMT one.
   */
  static boolean splitsTf32(GemmPrecision p, MmaTile tile) {
    return p == GemmPrecision.FP32 && tile != null && tile.stages() > 0;
  }

  /** The register-blocked fp32 SIMT kernel's name for {@code t} and {@code e}. */
  static String kernelName(SimtTile t, GemmEpilogue e) {
    return "ember_gemm_fp32_" + t.suffix() + e.suffix();
  }

  /** The register-blocked fp32 SIMT kernel for {@code t}, storing through {@code e}. */
  static String source(SimtTile t, GemmEpilogue e) {
    return e.function() + SimtTiledGemmSource.source(t, kernelName(t, e));
  }

  /** Grid and block of the register-blocked fp32 SIMT kernel for {@code t} over {@code s}. */
  static Geometry geometry(GemmShape s, SimtTile t) {
    return new Geometry(Dim3.of(ceilDiv(s.n(), t.cols()), ceilDiv(s.m(), t.rows()), s.batch()),
        Dim3.of(t.threads()), 0);
  }

  /** The full translation unit for {@code p}'s kernel with the largest tile. */
  public static String source(GemmPrecision p) {
    return source(p, MmaTile.T128_K32);
  }

  /**
   * The full translation unit for {@code p}'s kernel with {@code tile} (FP32: the SIMT kernel,
   * or on a pipelined tile the 3xTF32 one).
   */
  static String source(GemmPrecision p, MmaTile tile) {
    return source(p, tile, GemmEpilogue.NONE);
  }

  /** Like {@link #source(GemmPrecision, MmaTile)}, storing through epilogue {@code e}. */
  static String source(GemmPrecision p, MmaTile tile, GemmEpilogue e) {
    return source(p, tile, e, HalfOperands.NONE);
  }

  /**
   * Like {@link #source(GemmPrecision, MmaTile, GemmEpilogue)}, reading {@code h} as 16-bit
   * copies (fp16, bf16): B as its B^T copy ({@link HalfWeights}), and A as its rows' copy
   * ({@link HalfRows}) on pipelined tiles only.
   */
  static String source(GemmPrecision p, MmaTile tile, GemmEpilogue e, HalfOperands h) {
    String name = kernelName(p, tile, e, h);
    if (h != HalfOperands.NONE && p != GemmPrecision.FP16 && p != GemmPrecision.BF16) {
      throw new IllegalArgumentException("operands in 16 bits are fp16 or bf16, not "
          + p.confName());
    }
    if (h.a() && tile.stages() == 0) {
      throw new IllegalArgumentException("A in 16 bits needs a pipelined tile, not " + tile);
    }
    if (p == GemmPrecision.FP32 && !splitsTf32(p, tile)) {
      return e.function() + SimtGemmSource.source(name);
    }
    return e.function() + (tile.stages() > 0 ? MmaAsyncGemmSource.source(p, tile, name, h)
        : MmaGemmSource.source(p, tile, name, h.b()));
  }

  /** The tile {@code p}'s kernel uses for {@code s}; null for FP32 (fixed 64x64 SIMT tiles). */
  static MmaTile tile(GemmPrecision p, GemmShape s) {
    return p == GemmPrecision.FP32 ? null : MmaTile.forShape(p, s);
  }

  /** The oldest architecture the kernel compiles for, e.g. "sm_80". */
  public static String minimumArch(GemmPrecision p) {
    // NVRTC 12 targets sm_50 at the oldest; mma.sync with tf32/bf16 and cvt to them need sm_80.
    return p == GemmPrecision.FP32 ? "sm_50" : "sm_80";
  }

  /** Whether {@code p}'s kernel runs on {@code arch} (e.g. "sm_90"). */
  public static boolean runsOn(GemmPrecision p, String arch) {
    return capability(arch) >= capability(minimumArch(p));
  }

  /** The compute capability in an arch name: "sm_90" and "sm_90a" give 90. */
  static int capability(String arch) {
    String digits = arch.replaceAll("^sm_(\\d+).*$", "$1");
    if (digits.equals(arch)) {
      throw new IllegalArgumentException("not an arch name: '" + arch + "'");
    }
    return Integer.parseInt(digits);
  }

  /** Grid, block and shared memory for {@code s}, with the tile {@link #tile} picks. */
  public static Geometry geometry(GemmPrecision p, GemmShape s) {
    return geometry(p, s, tile(p, s));
  }

  /**
   * Grid, block and dynamic shared memory for {@code s} with tile {@code t} (null: the FP32 SIMT
   * one) at precision {@code p}: pipelined tiles past 48 KB take their stages dynamically.
   */
  static Geometry geometry(GemmPrecision p, GemmShape s, MmaTile t) {
    return geometry(p, s, t, HalfOperands.NONE);
  }

  /** Like {@link #geometry(GemmPrecision, GemmShape, MmaTile)}, {@code h} read in 16 bits. */
  static Geometry geometry(GemmPrecision p, GemmShape s, MmaTile t, HalfOperands h) {
    Geometry g = geometry(s, t);
    int dynamic = t == null || t.stages() == 0 ? 0
        : MmaAsyncGemmSource.dynamicSharedBytes(p, t, h);
    return new Geometry(g.grid(), g.block(), dynamic);
  }

  /** Grid and block for {@code s} with tile {@code t} (null: the FP32 SIMT one), static memory. */
  static Geometry geometry(GemmShape s, MmaTile t) {
    int tileM = t == null ? SimtGemmSource.TILE_M : t.size();
    int tileN = t == null ? SimtGemmSource.TILE_N : t.size();
    int threads = t == null ? SimtGemmSource.THREADS : t.threads();
    return new Geometry(Dim3.of(ceilDiv(s.n(), tileN), ceilDiv(s.m(), tileM), s.batch()),
        Dim3.of(threads), 0);
  }

  /**
   * Null when the pipelined kernel can copy {@code s}'s operands with 16-byte cp.async (A along
   * K, B along N, every row and batch start on 16 bytes, K and N multiples of 4), else why not.
   * The pointers themselves are checked at launch ({@link GeneratedGemm}).
   */
  static String asyncWhyNot(GemmShape s) {
    if (s.aCol() != 1 || s.bCol() != 1) {
      return "A is not contiguous along K or B along N";
    }
    if (s.k() % 4 != 0 || s.n() % 4 != 0 || s.aRow() % 4 != 0 || s.bRow() % 4 != 0
        || s.aBatch() % 4 != 0 || s.bBatch() % 4 != 0) {
      return "rows do not start on 16 bytes";
    }
    return null;
  }

  /**
   * Null when the pipelined kernel can run {@code s} at {@code p} with B read as its 16-bit copy
   * ({@link HalfWeights#whyNot}) and A copied by 16-byte cp.async (along K, every row and batch
   * start on 16 bytes, K a multiple of 4), else why not.
   */
  static String asyncHalfBWhyNot(GemmPrecision p, GemmShape s) {
    String why = HalfWeights.whyNot(p, s);
    if (why != null) {
      return why;
    }
    if (s.aCol() != 1) {
      return "A is not contiguous along K";
    }
    if (s.k() % 4 != 0 || s.aRow() % 4 != 0 || s.aBatch() % 4 != 0) {
      return "A's rows do not start on 16 bytes";
    }
    return null;
  }

  /** Blocks the FP32 SIMT kernel's launch over {@code s} makes. */
  static long simtBlocks(GemmShape s) {
    return (long) s.batch() * ceilDiv(s.m(), SimtGemmSource.TILE_M)
        * ceilDiv(s.n(), SimtGemmSource.TILE_N);
  }

  /** Null when the generated kernels can run {@code s} on some device, else why not. */
  static String whyNot(GemmShape s) {
    if (s.batch() > MAX_BATCH) {
      return "batch " + s.batch() + " exceeds the grid limit of " + MAX_BATCH;
    }
    if (s.m() > MAX_BATCH * SimtGemmSource.TILE_M) {
      return "m " + s.m() + " exceeds the grid limit of " + MAX_BATCH + " row tiles";
    }
    return null;
  }

  /**
   * The launch arguments for {@link #PARAMS}: pointers and {@code long long} as {@link Long},
   * {@code int} as {@link Integer}, {@code float} as {@link Float}. Without a bias the pointer
   * and its strides are 0, and the kernel reads no bias.
   */
  public static Object[] args(long a, long b, long c, long bias, GemmShape s) {
    boolean withBias = s.hasBias();
    return new Object[] {a, b, c, withBias ? bias : 0L, s.m(), s.n(), s.k(), s.aBatch(),
        s.aRow(), s.aCol(), s.bBatch(), s.bRow(), s.bCol(), s.cBatch(), s.ldc(), s.alpha(),
        s.beta(), withBias ? s.biasRow() : 0, withBias ? s.biasCol() : 0};
  }

  /**
   * A kernel {@code ember_gemm_bias_fill(C, bias, M, N, cBatch, ldc, beta, biasRow, biasCol)}
   * writing {@code C[b][i][j] = beta * bias[i*biasRow + j*biasCol]}: how {@link CublasGemm}
   * adds a broadcast bias, which cuBLAS's {@code beta * C} cannot express.
   */
  public static String biasFillSource() {
    return overC(BIAS_FILL_KERNEL, "float* __restrict__ C, const float* __restrict__ bias, int M,"
        + " int N, long long cBatch, int ldc, float beta, int biasRow, int biasCol",
        "C[blockIdx.z * cBatch + (long long)i * ldc + j] ="
        + " beta * bias[(long long)i * biasRow + (long long)j * biasCol];");
  }

  /**
   * A kernel {@code ember_gemm_epilogue_<id>(C, M, N, cBatch, ldc)} applying {@code e} to C in
   * place: how {@link CublasGemm} runs an epilogue that cuBLAS cannot. Same geometry as the bias
   * fill.
   */
  static String epilogueSource(GemmEpilogue e) {
    return e.function() + overC(epilogueKernel(e),
        "float* __restrict__ C, int M, int N, long long cBatch, int ldc",
        """
        float* c = C + blockIdx.z * cBatch + (long long)i * ldc + j;
        *c = ember_epilogue(*c);""");
  }

  /**
   * A kernel over the elements (i, j) of an M x N output, 32 x 8 threads a block ({@link
   * #biasFillGeometry}): {@code body} (lines, indented here) runs for each element in range;
   * {@code params} declare M and N.
   */
  static String overC(String name, String params, String body) {
    return "extern \"C\" __global__ void " + name + "(" + params + ") {\n"
        + "  const int j = blockIdx.x * 32 + threadIdx.x;\n"
        + "  const int i = blockIdx.y * 8 + threadIdx.y;\n"
        + "  if (i < M && j < N) {\n"
        + body.strip().lines().map(l -> "    " + l + "\n").collect(Collectors.joining())
        + "  }\n"
        + "}\n";
  }

  static String epilogueKernel(GemmEpilogue e) {
    return "ember_gemm_epilogue" + e.suffix();
  }

  static Object[] epilogueArgs(long c, GemmShape s) {
    return new Object[] {c, s.m(), s.n(), s.cBatch(), s.ldc()};
  }

  /** Geometry of {@link #biasFillSource()}'s kernel: 32x8 threads per block. */
  static Geometry biasFillGeometry(GemmShape s) {
    return new Geometry(Dim3.of(ceilDiv(s.n(), 32), ceilDiv(s.m(), 8), s.batch()),
        Dim3.of(32, 8, 1), 0);
  }

  static Object[] biasFillArgs(long c, long bias, GemmShape s) {
    return new Object[] {c, bias, s.m(), s.n(), s.cBatch(), s.ldc(), s.beta(), s.biasRow(),
        s.biasCol()};
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
