package dev.ember.executor.backend.cuda;

import static dev.ember.executor.backend.cuda.MmaAsyncGemmSource.lastLine;
import static dev.ember.executor.backend.cuda.MmaAsyncGemmSource.macroLine;

/**
 * CUDA C of an experimental Hopper GEMM on {@code wgmma.mma_async} (sm_90a, fp16 and bf16): one
 * warpgroup of 128 threads computes a 64 x 128 tile of C with {@code m64n128k16} instructions
 * that read both operands from shared memory through matrix descriptors. Ember's operands are
 * float32 in global memory, so each K slice of 32 is loaded into registers, rounded to half and
 * stored into one of two shared stages while the tensor cores work on the other.
 *
 * <p>Shared layout (no swizzle): an operand of R rows (M for A, N for B) by 32 K is made of
 * "core matrices" of 8 rows x 8 K halves, 128 contiguous bytes each, row-major inside; the four
 * core matrices of an 8-row group follow each other along K ({@link #LBO} = 128 bytes apart),
 * and the groups follow each other along R ({@link #SBO} = 512 bytes apart). Step {@code s} of
 * the slice (K 16s to 16s + 15) starts {@code 256 s} bytes in. B is stored transposed (K
 * contiguous per column), so neither operand needs the transpose flag.
 *
 * <p>Not used by any variant: the device check measures it in a JVM of its own
 * ({@code WgmmaCheck}) before any variant may. Its layout and descriptors are checked on the host
 * emulator's wgmma model (GemmTensorCoreEmulatedTest), which no GPU has confirmed yet.
 */
public final class WgmmaGemmSource {
  /** Rows of C per warpgroup; a block of {@code w} warpgroups covers {@code 64 w} rows. */
  static final int TILE_M = 64;
  static final int TILE_N = 128;
  static final int SLICE_K = 32;
  /** Threads per warpgroup. */
  static final int THREADS = 128;
  /** Bytes between core matrices adjacent along K. */
  static final int LBO = 128;
  /** Bytes between core matrices adjacent along M (A) or N (B): four along K per 8 rows. */
  static final int SBO = sbo(SLICE_K);

  /**
   * The stride byte offset of stages {@code sliceK} deep: the core matrices of an 8-row group,
   * {@code sliceK / 8} of them along K, lie back to back.
   */
  static int sbo(int sliceK) {
    return LBO * sliceK / 8;
  }

  /** Bytes of a stage's row 64 K deep, the span of wgmma's 128-byte swizzle. */
  static final int SWIZZLE_SPAN = 128;
  /** The shared-address period of that swizzle: its pattern is bits 4-6 XOR bits 7-9. */
  static final int SWIZZLE_PERIOD = 1024;

  /**
   * Whether stages {@code sliceK} deep are laid out with 128-byte swizzling: where a row's K
   * values fill exactly one span, the stage is plain rows of 128 bytes whose 16-byte chunk c of
   * row r lies at chunk {@code c ^ (r % 8)}: the layout TMA's 128-byte swizzle writes and
   * CUTLASS's Hopper GEMMs feed wgmma. Whether wgmma reads it faster than the interleaved core
   * matrices of stages 32 deep is for the device check's sweep to show.
   */
  static boolean swizzled(int sliceK) {
    return 2 * sliceK == SWIZZLE_SPAN;
  }

  private WgmmaGemmSource() {}

  /**
   * The 32-bit word of a stage holding halves {@code k} and {@code k + 1} (k even) of row
   * {@code r}: core matrix {@code (r / 8, k / 8)} at {@code (r / 8) * SBO + (k / 8) * LBO} bytes,
   * then row {@code r % 8} (16 bytes) and the pair {@code (k % 8) / 2} (4 bytes).
   */
  static int word(int r, int k) {
    return ((r >> 3) * SBO + (k >> 3) * LBO) / 4 + (r & 7) * 4 + ((k & 7) >> 1);
  }

  /**
   * The row of the {@code u}-th K pair a block stages of an operand with {@code rows} rows. The
   * 32 lanes of a warp take 8 rows by 4 pairs, so that each warp's global reads fill whole 32-byte
   * sectors and its shared stores ({@link #word}: row r % 8 at 4 words, pair at 1) hit 32 banks.
   */
  static int row(int u, int rows) {
    return ((u >> 5) & (rows / 8 - 1)) << 3 | (u & 7);
  }

  /** The K pair (0 to 15) of the {@code u}-th pair; see {@link #row}. */
  static int pair(int u, int rows) {
    return (u >> (5 + Integer.numberOfTrailingZeros(rows / 8))) << 2 | ((u >> 3) & 3);
  }

  /** {@link #row} and {@link #pair} as C declarations of {@code r} and {@code k} (= 2 pair). */
  private static String rowAndK(int rows) {
    return "const int r = (((u >> 5) & " + (rows / 8 - 1) + ") << 3) | (u & 7), k = 2 * (((u >> "
        + (5 + Integer.numberOfTrailingZeros(rows / 8)) + ") << 2) | ((u >> 3) & 3));";
  }

  /** The same as {@link #word}, as CUDA C over variables {@code r} and {@code k}. */
  private static String wordExpr(String r, String k) {
    return "((" + r + " >> 3) * " + SBO / 4 + " + (" + k + " >> 3) * " + LBO / 4 + " + (" + r
        + " & 7) * 4 + ((" + k + " & 7) >> 1))";
  }

  /**
   * The kernel with {@code warpgroups} (1 or 2) warpgroups per block: each computes 64 rows of
   * the block's tile against the same shared B, so two halve the B traffic per row of C.
   */
  static String source(GemmPrecision p, String name, int warpgroups) {
    if (warpgroups != 1 && warpgroups != 2) {
      throw new IllegalArgumentException("1 or 2 warpgroups, not " + warpgroups);
    }
    int tileM = TILE_M * warpgroups;
    int threads = THREADS * warpgroups;
    int aWords = tileM * SLICE_K / 2;
    int bWords = TILE_N * SLICE_K / 2;
    int aPairs = aWords / threads;
    int bPairs = bWords / threads;
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" wgmma GEMM (experimental): ").append(tileM)
        .append("x128 tiles, ").append(warpgroups).append(" warpgroup(s), K slices of 32 in two"
            + " shared stages; needs sm_90a\n");
    s.append(MmaGemmSource.wordHelper(p));
    s.append(wgmmaHelpers(p, TILE_N, SLICE_K));
    s.append("extern \"C\" __global__ void __launch_bounds__(").append(threads).append(") ")
        .append(name).append('(').append(GemmKernels.PARAMS).append(") {\n");
    s.append(blockSetup(2, aWords, bWords, tileM, TILE_N, false));
    s.append(line("unsigned ra[%d];", aPairs));
    s.append(line("unsigned rb[%d];", bPairs));
    s.append(line("const int kTiles = (K + %d) / %d;", SLICE_K - 1, SLICE_K));
    // Thread tid stages pairs u = tid + i * threads of each operand; row and K pair as row().
    s.append("#define EMBER_LOAD(k0) \\\n");
    s.append(A.load(aPairs, tileM, threads)).append(lastLine(B.load(bPairs, TILE_N, threads)));
    s.append("#define EMBER_STORE(st) \\\n");
    s.append(A.store(aPairs, tileM, threads)).append(lastLine(B.store(bPairs, TILE_N, threads)));
    s.append(line("EMBER_LOAD(0)"));
    s.append(line("EMBER_STORE(0)"));
    // Shared memory written by ordinary stores is read by wgmma through the async proxy.
    s.append(line("asm volatile(\"fence.proxy.async.shared::cta;\" ::: \"memory\");"));
    s.append(line("__syncthreads();"));
    s.append(line("for (int kt = 0; kt < kTiles; kt++) {"));
    s.append(line("  const int st = kt & 1;"));
    s.append(line("  if (kt + 1 < kTiles) { EMBER_LOAD((kt + 1) * %d) }", SLICE_K));
    s.append(sliceProducts(SLICE_K));
    s.append(line("  if (kt + 1 < kTiles) { EMBER_STORE(st ^ 1) }  // the stage read last slice"));
    s.append(line("  asm volatile(\"wgmma.wait_group.sync.aligned 0;\" ::: \"memory\");"));
    s.append(line("  asm volatile(\"fence.proxy.async.shared::cta;\" ::: \"memory\");"));
    s.append(line("  __syncthreads();"));
    s.append(line("}"));
    s.append("#undef EMBER_LOAD\n#undef EMBER_STORE\n");
    s.append(storeAccumulators(TILE_N));
    s.append("}\n");
    return s.toString();
  }

  /**
   * {@code ember_desc} (a shared-memory matrix descriptor of stages {@code sliceK} deep) and
   * {@code ember_wgmma} at p, whose wgmma is m64n{@code tileN}k16 ({@code tileN / 2}
   * accumulators a thread).
   */
  static String wgmmaHelpers(GemmPrecision p, int tileN, int sliceK) {
    int regs = tileN / 2;
    return descriptor(sliceK) + """
        __device__ __forceinline__ void ember_wgmma(float* d, unsigned long long da,
            unsigned long long db) {
          asm volatile("{\\n.reg .pred p;\\nsetp.ne.b32 p, %%%2$d, 0;\\n"
              "wgmma.mma_async.sync.aligned.m64n%3$dk16.f32.%1$s.%1$s {%4$s}, %%%5$d, %%%6$d,"
              " p, 1, 1, 0, 0;\\n}\\n"
              : %7$s
              : "l"(da), "l"(db), "r"(1));
        }
        """.formatted(inputType(p), regs + 2, tileN, accumulatorOperands(regs), regs, regs + 1,
        accumulatorOutputs(regs));
  }

  /**
   * {@code ember_desc}: the matrix descriptor of the stage at {@code p}: start address, leading
   * (K) and stride (M/N) byte offsets, all in 16-byte units; no swizzle.
   */
  static final String DESCRIPTOR = descriptor(SLICE_K);

  /**
   * {@link #DESCRIPTOR} for stages {@code sliceK} deep ({@link #sbo}); {@link #swizzled} ones
   * name the 128-byte swizzle (mode 1 in bits 62-63), whose K-major operands never step over a
   * span within a k16 step, so their leading offset is unused (1 by convention).
   */
  static String descriptor(int sliceK) {
    boolean swizzled = swizzled(sliceK);
    return """
      // Matrix descriptor: start address, leading (K) and stride (M/N) byte offsets, all in
      // 16-byte units; %s.
      __device__ __forceinline__ unsigned long long ember_desc(const unsigned* p) {
        const unsigned a = (unsigned) __cvta_generic_to_shared(p);
        return (unsigned long long) ((a & 0x3FFFF) >> 4)
            | ((unsigned long long) (%d >> 4) << 16)
            | ((unsigned long long) (%d >> 4) << 32)%s;
      }
      """.formatted(swizzled ? "128-byte swizzle" : "no swizzle", swizzled ? 16 : LBO,
        sbo(sliceK), swizzled ? "\n      | (1ull << 62)" : "");
  }

  /** PTX's name of the 16-bit input type of a wgmma at {@code p}. */
  static String inputType(GemmPrecision p) {
    return switch (p) {
      case FP16 -> "f16";
      case BF16 -> "bf16";
      default -> throw new IllegalArgumentException("wgmma GEMM is fp16 or bf16, not " + p);
    };
  }

  /** "%0, %1, ..." for {@code regs} accumulators, the first operands of the asm statement. */
  static String accumulatorOperands(int regs) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < regs; i++) {
      s.append(i == 0 ? "" : ", ").append('%').append(i);
    }
    return s.toString();
  }

  /** The asm outputs that bind those operands to {@code d[0..regs)}, read and written. */
  static String accumulatorOutputs(int regs) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < regs; i++) {
      s.append(i == 0 ? "" : ", ").append("\"+f\"(d[").append(i).append("])");
    }
    return s.toString();
  }

  /**
   * Stages of both operands in shared memory ({@code words} each per stage; static, or in dynamic
   * shared memory for more than 48 KB), thread and warp coordinates, the block's tile origin and
   * batch offsets, and zeroed accumulators.
   */
  static String blockSetup(int stages, int aWords, int bWords, int tileM, int tileN,
      boolean dynamic) {
    return blockSetup(stages, aWords, bWords, tileM, tileN, dynamic, false);
  }

  /**
   * The same, with {@code swizzled} dynamic stages starting on a {@link #SWIZZLE_PERIOD}
   * boundary of shared address (the swizzle is a function of address bits, and its stages are
   * whole periods), which the launch pays for with that many more bytes.
   */
  static String blockSetup(int stages, int aWords, int bWords, int tileM, int tileN,
      boolean dynamic, boolean swizzled) {
    return stageArrays(stages, aWords, bWords, dynamic, swizzled)
        + blockCoordinates(tileM, tileN);
  }

  /** The stages of {@link #blockSetup}: shared arrays {@code As} and {@code Bs}. */
  static String stageArrays(int stages, int aWords, int bWords, boolean dynamic,
      boolean swizzled) {
    String base = swizzled
        ? line("unsigned* const ember_stages = ember_smem + ((%d - ((unsigned)"
            + " __cvta_generic_to_shared(ember_smem) & %d)) & %d) / 4;", SWIZZLE_PERIOD,
            SWIZZLE_PERIOD - 1, SWIZZLE_PERIOD - 1)
        : line("unsigned* const ember_stages = ember_smem;");
    String arrays = dynamic
        ? line("extern __shared__ __align__(128) unsigned ember_smem[];")
            + base
            + line("unsigned (*As)[%d] = reinterpret_cast<unsigned (*)[%d]>(ember_stages);",
                aWords, aWords)
            + line("unsigned (*Bs)[%d] = reinterpret_cast<unsigned (*)[%d]>(ember_stages + %d);",
                bWords, bWords, stages * aWords)
        : line("__shared__ __align__(128) unsigned As[%d][%d];  // [stage][core matrices]",
            stages, aWords)
            + line("__shared__ __align__(128) unsigned Bs[%d][%d];", stages, bWords);
    return arrays;
  }

  /**
   * Thread and warp coordinates, the block's tile origin and batch offsets, and zeroed
   * accumulators: every wgmma kernel's setup after its shared arrays.
   */
  static String blockCoordinates(int tileM, int tileN) {
    return coordinates(tileM, tileN) + accumulators(tileN);
  }

  /** Thread and warp coordinates, the block's tile origin and batch offsets. */
  static String coordinates(int tileM, int tileN) {
    return line("const int tid = threadIdx.x;")
        + line("const int wg = tid >> 7, warp = (tid >> 5) & 3;")
        + line("const int g = (tid & 31) >> 2, t = tid & 3;")
        + line("const int m0 = blockIdx.y * %d, n0 = blockIdx.x * %d;", tileM, tileN)
        + line("const long long aOff = blockIdx.z * aBatch;")
        + line("const long long bOff = blockIdx.z * bBatch;")
        + line("const long long cOff = blockIdx.z * cBatch;");
  }

  /** A thread's {@code tileN / 2} accumulators of an m64n{@code tileN} wgmma, zeroed. */
  static String accumulators(int tileN) {
    return line("float acc[%d];", tileN / 2)
        // Unrolled, so the accumulators stay registers: with 128 of them (256-wide tiles) a
        // rolled loop puts them on the stack, and ptxas then serialises every wgmma.
        + line("#pragma unroll")
        + line("for (int i = 0; i < %d; i++) { acc[i] = 0.0f; }", tileN / 2);
  }

  /**
   * The {@code sliceK / 16} wgmma of a K slice in stage {@code st}: each k16 step starts two
   * core matrices further along K (32 bytes further into the rows where {@link #swizzled}: the
   * hardware swizzles the addresses it forms from there), and each warpgroup's A its 64 rows (8
   * row groups) further in.
   */
  static String sliceProducts(int sliceK) {
    StringBuilder s = new StringBuilder();
    s.append(line("  asm volatile(\"wgmma.fence.sync.aligned;\" ::: \"memory\");"));
    for (int step = 0; step < sliceK / 16; step++) {
      int offset = step * (swizzled(sliceK) ? 32 : 2 * LBO) / 4; // in words
      s.append(line("  ember_wgmma(acc, ember_desc(&As[st][wg * %d + %d]),"
          + " ember_desc(&Bs[st][%d]));", TILE_M / 8 * sbo(sliceK) / 4, offset, offset));
    }
    s.append(line("  asm volatile(\"wgmma.commit_group.sync.aligned;\" ::: \"memory\");"));
    return s.toString();
  }

  /**
   * The block's accumulators into C through the shared store: accumulator i of a thread is
   * column 8 (i / 4) + 2t + (i % 2), row g + 8 ((i / 2) % 2) of its warp's 16 rows, so i and
   * i + 1 (i even) are a pair of adjacent columns, stored together where C allows.
   */
  static String storeAccumulators(int tileN) {
    return MmaGemmSource.PAIRS_ALIGNED
        + line("#pragma unroll")
        + line("for (int i = 0; i < %d; i += 2) {", tileN / 2)
        + line("  const int gm = m0 + wg * %d + warp * 16 + g + 8 * ((i >> 1) & 1);", TILE_M)
        + line("  const int gn = n0 + 8 * (i >> 2) + 2 * t;")
        + MmaGemmSource.storePair("    ", "acc[i]", "acc[i + 1]")
        + line("}");
  }

  /**
   * How one operand's pairs are staged: element (r, k) of the operand (a row of A, or a column
   * of B) lies at {@code ptr[off + (origin + r) * rStride + k * kStride]}, rows from {@code bound}
   * on and K from {@code K} on read as zero, and the pair goes to register {@code reg[i]} and then
   * to shared {@code smem[st]}. Named variables ({@code g}, {@code base}, {@code v}) keep A's and
   * B's code apart inside one macro.
   */
  private record Operand(String ptr, String off, String origin, String bound, String rStride,
      String kStride, String reg, String smem, String g, String base, String v) {
    /** The loop that reads this operand's pairs of slice {@code k0} into registers. */
    String load(int pairs, int rows, int threads) {
      return macroLine("for (int i = 0; i < %d; i++) {", pairs)
          + macroLine("  const int u = tid + i * %d;", threads)
          + macroLine("  %s", rowAndK(rows))
          + macroLine("  const int %s = %s + r, gk = (k0) + k;", g, origin)
          + macroLine("  const long long %s = %s + (long long)%s * %s;", base, off, g, rStride)
          + macroLine("  const float %1$s0 = %2$s < %3$s && gk < K ? %4$s[%5$s + (long long)gk"
              + " * %6$s] : 0.0f;", v, g, bound, ptr, base, kStride)
          + macroLine("  const float %1$s1 = %2$s < %3$s && gk + 1 < K ? %4$s[%5$s + (long long)(gk"
              + " + 1) * %6$s] : 0.0f;", v, g, bound, ptr, base, kStride)
          + macroLine("  %1$s[i] = ember_word(%2$s0, %2$s1);", reg, v)
          + macroLine("}");
    }

    /** The loop that stores this operand's registers into stage {@code st}. */
    String store(int pairs, int rows, int threads) {
      return macroLine("for (int i = 0; i < %d; i++) {", pairs)
          + macroLine("  const int u = tid + i * %d;", threads)
          + macroLine("  %s", rowAndK(rows))
          + macroLine("  %s[st][%s] = %s[i];", smem, wordExpr("r", "k"), reg)
          + macroLine("}");
    }
  }

  private static final Operand A =
      new Operand("A", "aOff", "m0", "M", "aRow", "aCol", "ra", "As", "gm", "row", "x");
  private static final Operand B =
      new Operand("B", "bOff", "n0", "N", "bCol", "bRow", "rb", "Bs", "gn", "col", "y");

  static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }
}
