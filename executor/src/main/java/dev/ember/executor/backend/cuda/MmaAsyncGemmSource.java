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

  static String source(GemmPrecision p, MmaTile t, String name) {
    MmaLayout l = MmaLayout.of(p);
    int pw = l.perWord();
    int tile = t.size();
    int tk = t.k();
    int stages = t.stages();
    int threads = t.threads();
    int aChunks = tile * tk / 4 / threads;
    int bChunks = tk * tile / 4 / threads;
    if (aChunks * threads * 4 != tile * tk || tk % l.k() != 0) {
      throw new IllegalStateException(t + " does not split over its threads");
    }
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" tensor-core GEMM, ").append(tile)
        .append('x').append(tile).append(" tiles, ").append(stages)
        .append("-stage cp.async pipeline; needs sm_80\n");
    s.append(MmaGemmSource.helpers(p));
    s.append(CP16);
    if (pw == 2) {
      s.append("""
          // Two float32 neighbours along K (8-byte aligned: even K offset), packed even-low.
          __device__ __forceinline__ unsigned ember_pair(const float* p) {
            const float2 v = *reinterpret_cast<const float2*>(p);
            return ember_word(v.x, v.y);
          }
          """);
    }
    s.append("extern \"C\" __global__ void ").append(name).append('(').append(GemmKernels.PARAMS)
        .append(") {\n");
    int aRow = tk + aPad(pw);
    int bRow = tile + bPad(pw);
    if (dynamicSharedBytes(p, t) == 0) {
      s.append(line("__shared__ __align__(16) float As[%d][%d][%d];  // [stage][m][k]", stages,
          tile, aRow));
      s.append(line("__shared__ __align__(16) float Bs[%d][%d][%d];  // [stage][k][n]", stages,
          tk, bRow));
    } else { // the same arrays in dynamic shared memory, indexed alike
      s.append(line("extern __shared__ __align__(16) float ember_smem[];"));
      s.append(line("float (*As)[%d][%d] = reinterpret_cast<float (*)[%d][%d]>(ember_smem);",
          tile, aRow, tile, aRow));
      s.append(line("float (*Bs)[%d][%d] = reinterpret_cast<float (*)[%d][%d]>(ember_smem + %d);",
          tk, bRow, tk, bRow, stages * tile * aRow));
    }
    s.append(MmaGemmSource.blockSetup(t));
    s.append(line("const int kTiles = (K + %d) / %d;", tk - 1, tk));
    // One K slice into stage st: 16-byte chunks, A along K, B along N.
    s.append("#define EMBER_LOAD(st, k0) \\\n");
    // Inside a macro: _Pragma, since the #pragma lines added below cannot continue one.
    s.append(macroLine("_Pragma(\"unroll\") for(int i = 0; i < %d; i++) {", aChunks));
    s.append(macroLine("  const int c = tid + i * %d;", threads));
    s.append(macroLine("  const int row = c / %d, kc = (c %% %d) * 4;", tk / 4, tk / 4));
    s.append(macroLine("  const int gm = m0 + row, gk = (k0) + kc;"));
    s.append(macroLine("  const bool ok = gm < M && gk < K;"));
    s.append(macroLine("  ember_cp16(&As[st][row][kc], ok ? A + aOff + (long long)gm * aRow"
        + " + gk : A, ok);"));
    s.append(macroLine("}"));
    s.append(macroLine("_Pragma(\"unroll\") for(int i = 0; i < %d; i++) {", bChunks));
    s.append(macroLine("  const int c = tid + i * %d;", threads));
    s.append(macroLine("  const int kr = c / %d, nc = (c %% %d) * 4;", tile / 4, tile / 4));
    s.append(macroLine("  const int gk = (k0) + kr, gn = n0 + nc;"));
    s.append(macroLine("  const bool ok = gk < K && gn < N;"));
    s.append(macroLine("  ember_cp16(&Bs[st][kr][nc], ok ? B + bOff + (long long)gk * bRow"
        + " + gn : B, ok);"));
    s.append("  }\n");
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
    s.append(multiply(l, t, tk, pw));
    s.append("  }\n");
    s.append("#undef EMBER_LOAD\n");
    s.append(MmaGemmSource.epilogue(l, t));
    s.append("}\n");
    return s.toString().replaceAll("(?m)^( *)for \\((?!int kt)", "$1#pragma unroll\n$1for (");
  }

  /** Shared memory the stages take, in bytes. */
  static int sharedBytes(GemmPrecision p, MmaTile t) {
    int pw = MmaLayout.of(p).perWord();
    return 4 * t.stages() * (t.size() * (t.k() + aPad(pw)) + t.k() * (t.size() + bPad(pw)));
  }

  /**
   * The dynamic shared memory {@code t}'s kernel is launched with: 0 where its stages fit in the
   * 48 KB of static shared memory a block gets by default, else all of them.
   */
  static int dynamicSharedBytes(GemmPrecision p, MmaTile t) {
    int bytes = sharedBytes(p, t);
    return bytes <= GpuDriver.DEFAULT_SHARED_BYTES ? 0 : bytes;
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

  /** Fragments read from the float32 stage and rounded, then the warp's mma tiles. */
  private static String multiply(MmaLayout l, MmaTile t, int tk, int pw) {
    StringBuilder s = new StringBuilder();
    s.append(line("  for (int kk = 0; kk < %d; kk += %d) {", tk, l.k()));
    s.append(line("    unsigned af[%d][%d];", t.fragsM(), MmaLayout.A_REGS));
    s.append(line("    unsigned bf[%d][%d];", t.fragsN(), MmaLayout.B_REGS));
    s.append(line("    for (int mi = 0; mi < %d; mi++) {", t.fragsM()));
    s.append(line("      const int r = wm + mi * %d + g;", MmaLayout.M));
    for (int reg = 0; reg < MmaLayout.A_REGS; reg++) {
      String at = "As[st][r + " + l.aRegRow(reg) + "][kk + " + pw + " * t + "
          + l.aCol(0, reg * pw) + "]";
      s.append(line("      af[mi][%d] = %s;", reg, pw == 1 ? "ember_word(" + at + ")"
          : "ember_pair(&" + at + ")"));
    }
    s.append(line("    }"));
    s.append(line("    for (int ni = 0; ni < %d; ni++) {", t.fragsN()));
    s.append(line("      const int c = wn + ni * %d + g;", MmaLayout.N));
    for (int reg = 0; reg < MmaLayout.B_REGS; reg++) {
      String k = "kk + " + pw + " * t + " + l.bRow(0, reg * pw);
      s.append(line("      {"));
      s.append(line("        const int k = %s;", k));
      s.append(line("        bf[ni][%d] = %s;", reg, pw == 1 ? "ember_word(Bs[st][k][c])"
          : "ember_word(Bs[st][k][c], Bs[st][k + 1][c])"));
      s.append(line("      }"));
    }
    s.append(line("    }"));
    s.append(MmaGemmSource.mmaAll(t));
    s.append(line("  }"));
    return s.toString();
  }

  private static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }

  /** A line of a multi-line macro: indented, ending in a continuing backslash. */
  static String macroLine(String format, Object... args) {
    return "  " + format.formatted(args) + " \\\n";
  }
}
