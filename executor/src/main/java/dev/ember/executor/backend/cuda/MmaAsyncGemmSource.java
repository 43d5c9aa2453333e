package dev.ember.executor.backend.cuda;

/**
 * CUDA C of the pipelined tensor-core GEMM: the {@link MmaGemmSource} kernel's warps, fragments,
 * {@code mma.sync} and epilogue, fed by {@code cp.async} copies that run {@code stages - 1} K
 * slices ahead of the multiply instead of one. The blocks of MiniLM-sized GEMMs are few (one or
 * two per multiprocessor), so a slice's global-memory latency is not hidden behind other warps;
 * keeping several slices in flight hides it behind this block's own work.
 *
 * <p>Shared memory holds the operands as float32, A as [m][k] and B as [k][n] (as they lie in
 * global memory, 16 bytes per copy), and fragments are rounded to tf32, fp16 or bf16 as they are
 * read. Needs A contiguous along K and B along N, 16-byte aligned rows and pointers and K and N
 * multiples of 4 ({@link GemmKernels#asyncWhyNot}); a copy outside the matrix zero-fills.
 *
 * <p>At fp32 (sm_80 and later) each fragment value is split into two tf32 words ({@link
 * MmaGemmSource#SPLIT}) and each tile takes three products, small-by-big, big-by-small and
 * big-by-big: float32's accuracy on tensor cores, for three times tf32's work.
 *
 * <p>With B in halves ({@link HalfOperands#B}; fp16, bf16) B is a weight's 16-bit copy ({@link
 * HalfWeights}: B^T, rows along K): its stages hold [n][k] words of two halves, eight K values a
 * copy, and a fragment register is one shared word read as it is, where float32 B takes two
 * reads and a rounding. With A in halves too ({@link HalfOperands#A_AND_B}) A is a copy of its
 * rows the route makes before the product ({@link HalfRows}), staged and read the same way, so
 * no fragment is rounded in the loop and A's stages take half the bytes. Fragments of a 16-bit
 * stage are read by {@code ldmatrix.x4} ({@link MmaGemmSource#LDMATRIX}): one instruction a
 * 16x16 A fragment or two 8-column B fragments, where single-word reads take four.
 */
final class MmaAsyncGemmSource {
  /**
   * {@code ember_cp16(dst, src, full)}: 16 bytes from global {@code src} to shared {@code dst}
   * by {@code cp.async}, zeros instead where {@code full} is false. Every cp.async GEMM uses it.
   */
  static final String CP16 = """
      __device__ __forceinline__ void ember_cp16(void* dst, const void* src, bool full) {
        const unsigned d = (unsigned) __cvta_generic_to_shared(dst);
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;"
            :: "r"(d), "l"(src), "r"(full ? 16 : 0));
      }
      """;

  private MmaAsyncGemmSource() {}

  /**
   * The kernel of tile {@code t}, reading {@code h} as 16-bit copies (fp16, bf16: {@link
   * GemmKernels#source} checks): B as its B^T copy, A as its rows' copy ({@link HalfRows}).
   */
  static String source(GemmPrecision p, MmaTile t, String name, HalfOperands h) {
    boolean halfA = h.a();
    boolean halfB = h.b();
    MmaLayout l = MmaLayout.of(p);
    int pw = l.perWord();
    int tile = t.size();
    int tk = sliceK(t, h);
    int stages = t.stages();
    int threads = t.threads();
    int aChunks = tile * tk / 4 / threads;
    int bChunks = tk * tile / 4 / threads;
    if ((!halfA && aChunks * threads * 4 != tile * tk) || tk % l.k() != 0) {
      throw new IllegalStateException(t + " does not split over its threads");
    }
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName())
        .append(p == GemmPrecision.FP32 ? " (3xTF32)" : "").append(" tensor-core GEMM, ")
        .append(tile).append('x').append(tile).append(" tiles, ").append(stages)
        .append("-stage cp.async pipeline")
        .append(halfA ? ", A and B 16-bit copies (A's rows, B^T)"
            : halfB ? ", B a 16-bit B^T copy" : "").append("; needs sm_80\n");
    s.append(MmaGemmSource.helpers(p));
    s.append(CP16);
    if (halfB) {
      s.append(MmaGemmSource.LDMATRIX);
    }
    if (pw == 2 && !halfA) {
      s.append("""
          // Two float32 neighbours along K (8-byte aligned: even K offset), packed even-low.
          __device__ __forceinline__ unsigned ember_pair(const float* p) {
            const float2 v = *reinterpret_cast<const float2*>(p);
            return ember_word(v.x, v.y);
          }
          """);
    }
    s.append("extern \"C\" __global__ void ").append(name).append('(')
        .append(GemmKernels.params(h)).append(") {\n");
    // A's stage: float [m][k], or with halfA words [m][k word]
    int aRow = halfA ? tk / 2 + HALF_PAD : tk + aPad(pw);
    String aType = halfA ? "unsigned" : "float";
    String aComment = halfA ? "[stage][m][k word]: A's rows in halves" : "[stage][m][k]";
    int bRow = halfB ? tk / 2 + HALF_PAD : tile + bPad(pw);
    // B's stage: float [k][n], or with halfB words [n][k word]
    String bType = halfB ? "unsigned" : "float";
    int bOuter = halfB ? tile : tk;
    String bComment = halfB ? "[stage][n][k word]: B^T in halves" : "[stage][k][n]";
    if (dynamicSharedBytes(p, t, h) == 0) {
      s.append(line("__shared__ __align__(16) %s As[%d][%d][%d];  // %s", aType, stages, tile,
          aRow, aComment));
      s.append(line("__shared__ __align__(16) %s Bs[%d][%d][%d];  // %s", bType, stages, bOuter,
          bRow, bComment));
    } else { // the same arrays in dynamic shared memory, indexed alike
      s.append(line("extern __shared__ __align__(16) float ember_smem[];"));
      s.append(line("%s (*As)[%d][%d] = reinterpret_cast<%s (*)[%d][%d]>(ember_smem);  // %s",
          aType, tile, aRow, aType, tile, aRow, aComment));
      s.append(line("%s (*Bs)[%d][%d] = reinterpret_cast<%s (*)[%d][%d]>(ember_smem + %d);  // %s",
          bType, bOuter, bRow, bType, bOuter, bRow, stages * tile * aRow, bComment));
    }
    s.append(MmaGemmSource.blockSetup(t));
    s.append(line("const int kTiles = (K + %d) / %d;", tk - 1, tk));
    // One K slice into stage st: 16-byte chunks, A along K, B along N.
    s.append("#define EMBER_LOAD(st, k0) \\\n");
    // Inside a macro: _Pragma, since the #pragma lines added below cannot continue one.
    s.append(halfA ? halfCopies("As", "A", "aOff", "m0", "M", "aRow", tile, tk, threads)
        : macroLine("_Pragma(\"unroll\") for(int i = 0; i < %d; i++) {", aChunks)
        + macroLine("  const int c = tid + i * %d;", threads)
        + macroLine("  const int row = c / %d, kc = (c %% %d) * 4;", tk / 4, tk / 4)
        + macroLine("  const int gm = m0 + row, gk = (k0) + kc;")
        + macroLine("  const bool ok = gm < M && gk < K;")
        + macroLine("  ember_cp16(&As[st][row][kc], ok ? A + aOff + (long long)gm * aRow"
            + " + gk : A, ok);")
        + macroLine("}"));
    s.append(halfB ? lastLine(halfCopies("Bs", "B", "bOff", "n0", "N", "bCol", tile, tk,
        threads)) : macroLine(
        "_Pragma(\"unroll\") for(int i = 0; i < %d; i++) {", bChunks)
        + macroLine("  const int c = tid + i * %d;", threads)
        + macroLine("  const int kr = c / %d, nc = (c %% %d) * 4;", tile / 4, tile / 4)
        + macroLine("  const int gk = (k0) + kr, gn = n0 + nc;")
        + macroLine("  const bool ok = gk < K && gn < N;")
        + macroLine("  ember_cp16(&Bs[st][kr][nc], ok ? B + bOff + (long long)gk * bRow"
            + " + gn : B, ok);")
        + "  }\n");
    s.append(line("for (int st = 0; st < %d; st++) {", stages - 1));
    s.append(line("  if (st < kTiles) { EMBER_LOAD(st, st * %d) }", tk));
    s.append(line("  asm volatile(\"cp.async.commit_group;\");"));
    s.append(line("}"));
    s.append("  for (int kt = 0; kt < kTiles; kt++) {\n");
    s.append(line("  asm volatile(\"cp.async.wait_group %d;\");", stages - 2));
    s.append(line("  __syncthreads();  // slice kt is in; every warp is done with kt - 1"));
    s.append(line("  {"));
    s.append(line("    const int nk = kt + %d;", stages - 1));
    s.append(line("    if (nk < kTiles) { EMBER_LOAD(nk %% %d, nk * %d) }", stages, tk));
    s.append(line("    asm volatile(\"cp.async.commit_group;\");  // empty groups keep the count"));
    s.append(line("  }"));
    s.append(line("  const int st = kt %% %d;", stages));
    s.append(multiply(l, t, tk, pw, h, p == GemmPrecision.FP32));
    s.append("  }\n");
    s.append("#undef EMBER_LOAD\n");
    s.append(MmaGemmSource.epilogue(l, t));
    s.append("}\n");
    return s.toString().replaceAll("(?m)^( *)for \\((?!int kt)", "$1#pragma unroll\n$1for (");
  }

  /** Shared memory the stages take, in bytes. */
  static int sharedBytes(GemmPrecision p, MmaTile t) {
    return sharedBytes(p, t, HalfOperands.NONE);
  }

  /** Shared memory the stages take, in bytes, with {@code h} in 16 bits. */
  static int sharedBytes(GemmPrecision p, MmaTile t, HalfOperands h) {
    int pw = MmaLayout.of(p).perWord();
    int tk = sliceK(t, h);
    int halfRow = t.size() * (tk / 2 + HALF_PAD);
    int aWords = h.a() ? halfRow : t.size() * (tk + aPad(pw));
    int bWords = h.b() ? halfRow : tk * (t.size() + bPad(pw));
    return 4 * t.stages() * (aWords + bWords);
  }

  /**
   * K per stage of {@code t}'s kernel reading {@code h} in 16 bits: twice the tile's where both
   * operands are 16-bit copies, whose stages then take no more shared memory than the tile's
   * float32 ones, for half the barriers and waits per product; the tile's own otherwise.
   */
  static int sliceK(MmaTile t, HalfOperands h) {
    return h.a() ? 2 * t.k() : t.k();
  }

  /**
   * The dynamic shared memory {@code t}'s kernel ({@code h} in 16 bits) is launched with: 0
   * where its stages fit in the 48 KB of static shared memory a block gets by default, else all
   * of them.
   */
  static int dynamicSharedBytes(GemmPrecision p, MmaTile t, HalfOperands h) {
    int bytes = sharedBytes(p, t, h);
    return bytes <= GpuDriver.DEFAULT_SHARED_BYTES ? 0 : bytes;
  }

  /**
   * Words added to each shared row of a 16-bit stage (B^T, or A's rows). ldmatrix reads a matrix
   * as 16 bytes (4 banks) of each of 8 rows; rows of K/2 + 4 words (12 for 16-deep slices, 20
   * for 32-deep ones) start those rows on banks 0, 12, 24, 4, 16, 28, 8, 20 (or 0, 20, 8, 28,
   * 16, 4, 24, 12), so each matrix meets 32 distinct banks, and keep every copy on 16 bytes.
   */
  static final int HALF_PAD = 4;

  /**
   * The macro lines that copy one slice of a 16-bit operand ({@code ptr}: B^T, or A's rows) into
   * stage st of {@code smem}: per row of the tile (from {@code origin}, below {@code bound}), K/8
   * copies of eight halves each, {@code rowStride} halves apart. Past the bound, or from K on,
   * the copy zero-fills; a row's last copy may straddle K, where the padding of the copy holds
   * zeros.
   */
  private static String halfCopies(String smem, String ptr, String off, String origin,
      String bound, String rowStride, int tile, int tk, int threads) {
    int perRow = tk / 8;
    int chunks = tile * perRow;
    int rounds = (chunks + threads - 1) / threads;
    if (chunks > threads && chunks % threads != 0) {
      throw new IllegalStateException(chunks + " " + ptr + " copies do not split over "
          + threads + " threads");
    }
    String guard = chunks < threads ? "  if (c < " + chunks + ") {" : "  {";
    return macroLine("_Pragma(\"unroll\") for(int i = 0; i < %d; i++) {", rounds)
        + macroLine("  const int c = tid + i * %d;", threads)
        + macroLine(guard)
        + macroLine("    const int r = c / %d, kc = (c %% %d) * 8;", perRow, perRow)
        + macroLine("    const int gr = %s + r, gk = (k0) + kc;", origin)
        + macroLine("    const bool ok = gr < %s && gk < K;", bound)
        + macroLine("    ember_cp16(&%s[st][r][kc / 2], ok ? %s + %s + (long long)gr * %s"
            + " + gk : %s, ok);", smem, ptr, off, rowStride, ptr)
        + macroLine("  }")
        + macroLine("}");
  }

  /**
   * Floats added to each shared A row, so that a warp's fragment reads hit distinct banks. Lane
   * (g, t) reads row g at K offset {@code pw * t}: tf32's 4-byte reads over rows of 16 + 4
   * floats start at banks 20g + t mod 32, all distinct; fp16/bf16 read 8-byte pairs, served per
   * half-warp, and over rows of 16 + 4 lanes g = 0 and g = 3 share banks 0-3, while rows of
   * 16 + 8 put the four rows of a half-warp on banks 0-7, 24-31, 16-23 and 8-15.
   */
  static int aPad(int pw) {
    return pw == 2 ? 8 : 4;
  }

  /**
   * Floats added to each shared B row (one per K): lane (g, t) reads column g of row {@code pw *
   * t}. For tf32 rows of 64 + 4 start t on bank 4t, so lanes (t, g + 4) and (t + 1, g) collide;
   * 64 + 8 gives 8t + g, all distinct (32-wide tiles alike). fp16/bf16 step two rows per t, which
   * 64 + 4 already spreads to 8t + g.
   */
  static int bPad(int pw) {
    return pw == 2 ? 4 : 8;
  }

  /**
   * Fragments read from the float32 stage and rounded (operands in halves read as stored; with
   * {@code split}, each value as two tf32 words, the small ones in {@code afs} and {@code bfs}),
   * then the warp's mma tiles.
   */
  private static String multiply(MmaLayout l, MmaTile t, int tk, int pw, HalfOperands h,
      boolean split) {
    StringBuilder s = new StringBuilder();
    s.append(line("  for (int kk = 0; kk < %d; kk += %d) {", tk, l.k()));
    s.append(line("    unsigned af[%d][%d];", t.fragsM(), MmaLayout.A_REGS));
    s.append(line("    unsigned bf[%d][%d];", t.fragsN(), MmaLayout.B_REGS));
    if (split) {
      s.append(line("    unsigned afs[%d][%d];", t.fragsM(), MmaLayout.A_REGS));
      s.append(line("    unsigned bfs[%d][%d];", t.fragsN(), MmaLayout.B_REGS));
    }
    s.append(h.a() ? MmaGemmSource.ldmatrixA(l, t, "As[st]", "kk / 2")
        : floatAFragments(l, t, pw, split));
    s.append(h.b() ? MmaGemmSource.ldmatrixB(l, t, "Bs[st]", "kk / 2")
        : floatBFragments(l, t, pw, split));
    s.append(split ? MmaGemmSource.mmaAll(t, "afs", "bf") + MmaGemmSource.mmaAll(t, "af", "bfs")
        + MmaGemmSource.mmaAll(t, "af", "bf") : MmaGemmSource.mmaAll(t));
    s.append(line("  }"));
    return s.toString();
  }

  /** A's fragments read from its float32 stage and rounded (split in two tf32 words). */
  private static String floatAFragments(MmaLayout l, MmaTile t, int pw, boolean split) {
    StringBuilder s = new StringBuilder();
    s.append(line("    for (int mi = 0; mi < %d; mi++) {", t.fragsM()));
    s.append(line("      const int r = wm + mi * %d + g;", MmaLayout.M));
    for (int reg = 0; reg < MmaLayout.A_REGS; reg++) {
      String at = "As[st][r + " + l.aRegRow(reg) + "][kk + " + pw + " * t + "
          + l.aCol(0, reg * pw) + "]";
      s.append(split ? line("      ember_split(%s, af[mi][%d], afs[mi][%d]);", at, reg, reg)
          : line("      af[mi][%d] = %s;", reg, pw == 1 ? "ember_word(" + at + ")"
              : "ember_pair(&" + at + ")"));
    }
    return s.append(line("    }")).toString();
  }

  /** B's fragments read from its float32 stage ([k][n]) and rounded (split in two tf32 words). */
  private static String floatBFragments(MmaLayout l, MmaTile t, int pw, boolean split) {
    StringBuilder s = new StringBuilder();
    s.append(line("    for (int ni = 0; ni < %d; ni++) {", t.fragsN()));
    s.append(line("      const int c = wn + ni * %d + g;", MmaLayout.N));
    for (int reg = 0; reg < MmaLayout.B_REGS; reg++) {
      String k = "kk + " + pw + " * t + " + l.bRow(0, reg * pw);
      s.append(line("      {"));
      s.append(line("        const int k = %s;", k));
      s.append(split ? line("        ember_split(Bs[st][k][c], bf[ni][%d], bfs[ni][%d]);", reg, reg)
          : line("        bf[ni][%d] = %s;", reg, pw == 1 ? "ember_word(Bs[st][k][c])"
              : "ember_word(Bs[st][k][c], Bs[st][k + 1][c])"));
      s.append(line("      }"));
    }
    return s.append(line("    }")).toString();
  }

  private static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }

  /** A line of a multi-line macro: indented, ending in a continuing backslash. */
  static String macroLine(String format, Object... args) {
    return "  " + format.formatted(args) + " \\\n";
  }

  /** {@link #macroLine} lines whose last one ends the macro (no continuing backslash). */
  static String lastLine(String macroLines) {
    return macroLines.substring(0, macroLines.length() - " \\\n".length()) + "\n";
  }
}
