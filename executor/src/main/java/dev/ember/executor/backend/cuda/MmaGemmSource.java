package dev.ember.executor.backend.cuda;

/**
 * CUDA C of the tensor-core GEMMs (TF32, FP16, BF16 inputs; float32 accumulate and epilogue).
 *
 * <p>A block computes one square tile of C ({@link MmaTile}: 128x128 with 8 warps, each owning
 * 64x32 as 4x4 {@code mma.sync} tiles of 16x8; 64x64 and 32x32 with 4 warps for shapes that
 * would make too few blocks). K advances 32 at a time: the block
 * loads A and B from float32 global memory through the shape's strides (bounds-checked, zero
 * fill), rounds them to the input type and stores 32-bit words in shared memory, A as [m][k] and
 * B transposed as [n][k], so both fragments are read along K (see {@link MmaLayout}). The next
 * K slice is loaded into registers while the current one is multiplied.
 *
 * <p>Fragments are read by {@code ldmatrix.x4} ({@link #ldmatrixA}, {@link #ldmatrixB}): one
 * instruction a 16-row A fragment or two 8-column B fragments, at every precision. Shared rows
 * are padded by 4 words, which puts each of its matrices (8 rows x 4 consecutive words) on 32
 * distinct banks and keeps every row on 16 bytes.
 */
final class MmaGemmSource {
  /** K per slice of the largest tile (smaller tiles take deeper slices: {@link MmaTile#k}). */
  static final int TILE_K = 32;

  /**
   * The kernel of {@code tile}; with {@code halfB} (fp16, bf16: {@link GemmKernels#source}
   * checks) B is a weight's 16-bit copy ({@link HalfWeights}), whose words (two K neighbours of
   * one column) are loaded and stored as they are, where float32 B takes two loads and a rounding
   * per word.
   */
  static String source(GemmPrecision p, MmaTile tile, String name, boolean halfB) {
    return new MmaGemmSource(tile, halfB).generate(p, name);
  }

  private final MmaTile tile;
  private final boolean halfB;

  private MmaGemmSource(MmaTile tile, boolean halfB) {
    this.tile = tile;
    this.halfB = halfB;
  }

  private String generate(GemmPrecision p, String name) {
    MmaLayout l = MmaLayout.of(p);
    int perWord = l.perWord();
    int words = tile.k() / perWord; // K words per tile row
    // Words each thread converts per operand and K slice (A and B tiles are the same size).
    int units = tile.size() * words / tile.threads();
    if (units * tile.threads() != tile.size() * words) {
      throw new IllegalStateException(tile + ": " + words + " words a row do not split over "
          + tile.threads() + " threads");
    }
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" tensor-core GEMM: C = alpha * A B + beta")
        .append(" * bias, ").append(tile.size()).append('x').append(tile.size())
        .append(" tiles, mma.sync.")
        .append(l == MmaLayout.M16N8K8_TF32 ? "m16n8k8" : "m16n8k16")
        .append(halfB ? ", B a 16-bit B^T copy" : "").append(", needs sm_80\n");
    s.append(helpers(p));
    s.append(LDMATRIX);
    String params = halfB ? GemmKernels.PARAMS_HALF_B : GemmKernels.PARAMS;
    s.append("extern \"C\" __global__ void ").append(name).append('(').append(params)
        .append(") {\n");
    // Rows of words + 4 (4 mod 8 words, on 16 bytes): each ldmatrix matrix meets 32 banks.
    s.append(line("__shared__ __align__(16) unsigned As[%d][%d];  // [m][k word]", tile.size(),
        words + 4));
    s.append(line("__shared__ __align__(16) unsigned Bs[%d][%d];  // [n][k word]: B^T, read"
        + " along K", tile.size(), words + 4));
    s.append(blockSetup(tile));
    s.append("""
          // Consecutive threads walk an operand's unit-stride dimension, so loads coalesce.
          const bool aAlongK = aCol == 1;
          const bool bAlongK = bRow == 1 && bCol != 1;
          // A's K pairs start on 8 bytes: every row, batch and the pointer at an even float.
          const bool aPairs = aAlongK && ((aRow | aBatch) & 1) == 0
              && ((unsigned long long)A & 7) == 0;
        """);
    s.append(line("float ra[%d];", units * perWord));
    s.append(halfB ? line("unsigned rb[%d];  // words of the copy", units)
        : line("float rb[%d];", units * perWord));
    s.append(load("0", units, words, perWord));
    s.append("  for (int k0 = 0; k0 < K; k0 += ").append(tile.k()).append(") {\n");
    s.append(store(units, words, perWord));
    s.append("    __syncthreads();\n");
    s.append("    if (k0 + ").append(tile.k()).append(" < K) {\n");
    s.append(load("k0 + " + tile.k(), units, words, perWord).indent(4));
    s.append("    }\n");
    s.append(multiply(l, words));
    s.append("    __syncthreads();\n");
    s.append("  }\n");
    s.append(epilogue(l, tile));
    s.append("}\n");
    // Fixed-count loops must unroll so ra, rb, af, bf and acc live in registers, not local memory.
    return s.toString().replaceAll("(?m)^( *)for \\((?!int k0)", "$1#pragma unroll\n$1for (");
  }

  /**
   * {@code ember_split(x, big, small)}: float32 {@code x} as two tf32 words whose sum is {@code
   * x} to about 21 mantissa bits, {@code big} the tf32 nearest {@code x} and {@code small} the
   * tf32 nearest what {@code big} misses: a product of two such sums, less the small-by-small
   * term (about 2^-22 of it), is float32's product. How fp32 runs on tensor cores (3xTF32).
   */
  static final String SPLIT = """
      __device__ __forceinline__ void ember_split(float x, unsigned& big, unsigned& small) {
        big = ember_word(x);
        small = ember_word(x - __uint_as_float(big));
      }
      """;

  /**
   * The word conversion and the mma instruction, as inline PTX (NVRTC has no headers); fp32 has
   * tf32's instruction and {@link #SPLIT}.
   */
  static String helpers(GemmPrecision p) {
    String convert = wordHelper(p);
    String mma = switch (p) {
      case TF32, FP32 -> "m16n8k8.row.col.f32.tf32.tf32.f32";
      case FP16 -> "m16n8k16.row.col.f32.f16.f16.f32";
      case BF16 -> "m16n8k16.row.col.f32.bf16.bf16.f32";
    };
    return convert + (p == GemmPrecision.FP32 ? SPLIT : "") + """
        __device__ __forceinline__ void ember_mma(float* d, const unsigned* a, const unsigned* b) {
          asm volatile("mma.sync.aligned.%s "
              "{%%0, %%1, %%2, %%3}, {%%4, %%5, %%6, %%7}, {%%8, %%9}, {%%0, %%1, %%2, %%3};"
              : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
              : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
        }
        """.formatted(mma);
  }

  /**
   * {@code ember_word}: float32 rounded to the tensor cores' input type, one tf32 value per word
   * or two halves (fp16, bf16) packed even K low, as mma and wgmma take them.
   */
  static String wordHelper(GemmPrecision p) {
    return p == GemmPrecision.TF32 || p == GemmPrecision.FP32
        ? """
        __device__ __forceinline__ unsigned ember_word(float x) {
          unsigned w;
          asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(w) : "f"(x));
          return w;
        }
        """
        // cvt.rn.{f16,bf16}x2.f32 d, a, b puts a in the upper half and b in the lower half;
        // the lower half must hold the even K index.
        : """
        __device__ __forceinline__ unsigned ember_word(float lo, float hi) {
          unsigned w;
          asm("cvt.rn.%1$sx2.f32 %%0, %%1, %%2;" : "=r"(w) : "f"(hi), "f"(lo));
          return w;
        }
        """.formatted(p == GemmPrecision.FP16 ? "f16" : "bf16");
  }

  /** Thread {@code tid}'s share of the K slice at {@code k0} into {@code ra} and {@code rb}. */
  private String load(String k0, int units, int words, int perWord) {
    StringBuilder s = new StringBuilder();
    s.append(line("for (int i = 0; i < %d; i++) {", units));
    s.append(line("  const int u = tid + i * %d;", tile.threads()));
    s.append(position("a", "m", units, words));
    s.append(position("b", "n", units, words));
    if (perWord == 2) { // a word's two K neighbours of A's row, as one 8-byte load if it can
      s.append(line("  const int ka = %s + aw * 2;", k0));
      s.append(line("  const float* ap = A + aOff + (long long)(m0 + am) * aRow"
          + " + (long long)ka * aCol;"));
      s.append(line("  if (aPairs && m0 + am < M && ka + 1 < K) {"));
      s.append(line("    const float2 a2 = *reinterpret_cast<const float2*>(ap);"));
      s.append(line("    ra[i * 2] = a2.x;"));
      s.append(line("    ra[i * 2 + 1] = a2.y;"));
      s.append(line("  } else {"));
      s.append(line("    ra[i * 2] = m0 + am < M && ka < K ? ap[0] : 0.0f;"));
      s.append(line("    ra[i * 2 + 1] = m0 + am < M && ka + 1 < K ? ap[aCol] : 0.0f;"));
      s.append(line("  }"));
    }
    s.append(line("  for (int e = 0; e < %d; e++) {", perWord));
    s.append(line("    const int ka = %s + aw * %d + e;", k0, perWord));
    s.append(line("    const int kb = %s + bw * %d + e;", k0, perWord));
    if (perWord == 1) {
      s.append(line("    ra[i] = (m0 + am < M && ka < K)"));
      s.append(line("        ? A[aOff + (long long)(m0 + am) * aRow + (long long)ka * aCol]"
          + " : 0.0f;"));
    }
    if (!halfB) {
      s.append(line("    rb[i * %d + e] = (n0 + bn < N && kb < K)", perWord));
      s.append(line("        ? B[bOff + (long long)kb * bRow + (long long)(n0 + bn) * bCol]"
          + " : 0.0f;"));
    }
    s.append(line("  }"));
    if (halfB) { // K even; a word straddling K holds the copy's zero padding
      s.append(line("  const int kb = %s + bw * 2;", k0));
      s.append(line("  rb[i] = (n0 + bn < N && kb < K) ? *reinterpret_cast<const unsigned*>("
          + "B + bOff + (long long)(n0 + bn) * bCol + kb) : 0u;"));
    }
    s.append(line("}"));
    return s.toString();
  }

  /** Converts the registers of {@link #load} into shared-memory words. */
  private String store(int units, int words, int perWord) {
    StringBuilder s = new StringBuilder();
    s.append(line("  for (int i = 0; i < %d; i++) {", units));
    s.append(line("    const int u = tid + i * %d;", tile.threads()));
    s.append(position("a", "m", units, words).indent(2));
    s.append(position("b", "n", units, words).indent(2));
    String a = perWord == 1 ? "ember_word(ra[i])" : "ember_word(ra[2 * i], ra[2 * i + 1])";
    String b = halfB ? "rb[i]" : perWord == 1 ? "ember_word(rb[i])"
        : "ember_word(rb[2 * i], rb[2 * i + 1])";
    s.append(line("    As[am][aw] = %s;", a));
    s.append(line("    Bs[bn][bw] = %s;", b));
    s.append(line("  }"));
    return s.toString();
  }

  /** Tile row ({@code am}/{@code bn}) and K word ({@code aw}/{@code bw}) of unit {@code u}. */
  private String position(String op, String dim, int units, int words) {
    String alongK = op.equals("a") ? "aAlongK" : "bAlongK";
    int rows = tile.size(); // A and B tiles are square
    return line("  const int %s%s = %s ? u / %d : u %% %d;", op, dim, alongK, words, rows)
        + line("  const int %sw = %s ? u %% %d : u / %d;", op, alongK, words, rows);
  }

  /** The warp's 4x4 mma tiles over the K slice in shared memory. */
  private String multiply(MmaLayout l, int words) {
    int step = l.k() / l.perWord(); // K words per instruction
    StringBuilder s = new StringBuilder();
    s.append(line("  for (int kw = 0; kw < %d; kw += %d) {", words, step));
    s.append(line("    unsigned af[%d][%d];", tile.fragsM(), MmaLayout.A_REGS));
    s.append(line("    unsigned bf[%d][%d];", tile.fragsN(), MmaLayout.B_REGS));
    s.append(ldmatrixA(l, tile, "As", "kw"));
    s.append(ldmatrixB(l, tile, "Bs", "kw"));
    s.append(mmaAll(tile));
    s.append(line("  }"));
    return s.toString();
  }

  /**
   * What every block of both tensor-core generators starts with: thread, warp and PTX lane ids,
   * the warp's and the block's tile origin, the batch offsets and the zeroed accumulators.
   */
  static String blockSetup(MmaTile t) {
    return """
          const int tid = threadIdx.x;
          const int lane = tid & 31;
          const int warp = tid >> 5;
          const int g = lane >> 2;  // PTX groupID
          const int t = lane & 3;   // PTX threadID_in_group
          const long long aOff = blockIdx.z * aBatch;
          const long long bOff = blockIdx.z * bBatch;
          const long long cOff = blockIdx.z * cBatch;
        """
        + line("const int wm = (warp / %d) * %d;", t.warpsN(), t.warpM())
        + line("const int wn = (warp %% %d) * %d;", t.warpsN(), t.warpN())
        + line("const int m0 = blockIdx.y * %d;", t.size())
        + line("const int n0 = blockIdx.x * %d;", t.size())
        + line("float acc[%d][%d][4];", t.fragsM(), t.fragsN())
        + line("for (int i = 0; i < %d; i++) {", t.fragsM() * t.fragsN() * 4)
        + line("  (&acc[0][0][0])[i] = 0.0f;")
        + line("}");
  }

  /** One mma per accumulator tile of the warp, from fragments af[mi] and bf[ni]. */
  static String mmaAll(MmaTile t) {
    return mmaAll(t, "af", "bf");
  }

  /** One mma per accumulator tile of the warp, from fragment arrays {@code a} and {@code b}. */
  static String mmaAll(MmaTile t, String a, String b) {
    return line("    for (int mi = 0; mi < %d; mi++) {", t.fragsM())
        + line("      for (int ni = 0; ni < %d; ni++) {", t.fragsN())
        + line("        ember_mma(acc[mi][ni], %s[mi], %s[ni]);", a, b)
        + line("      }")
        + line("    }");
  }

  /**
   * alpha * acc + beta * bias into C, bounds-checked, from the warp's accumulator tiles: each
   * thread's two adjacent columns of a row as one pair ({@link #storePair}).
   */
  static String epilogue(MmaLayout l, MmaTile t) {
    StringBuilder s = new StringBuilder(PAIRS_ALIGNED);
    s.append(line("for (int mi = 0; mi < %d; mi++) {", t.fragsM()));
    s.append(line("  for (int ni = 0; ni < %d; ni++) {", t.fragsN()));
    for (int i = 0; i < MmaLayout.C_ELEMS; i += 2) {
      if (l.cRow(0, i + 1) != l.cRow(0, i) || l.cCol(0, i + 1) != l.cCol(0, i) + 1
          || l.cCol(0, i) % 2 != 0) {
        throw new IllegalStateException("accumulators " + i + " and " + (i + 1)
            + " are no pair of adjacent columns");
      }
      s.append(line("    {"));
      s.append(line("      const int gm = m0 + wm + mi * %d + g + %d;", MmaLayout.M,
          l.cRow(0, i)));
      s.append(line("      const int gn = n0 + wn + ni * %d + 2 * t + %d;", MmaLayout.N,
          l.cCol(0, i)));
      s.append(storePair("        ", "acc[mi][ni][" + i + "]", "acc[mi][ni][" + (i + 1) + "]"));
      s.append(line("    }"));
    }
    s.append(line("  }"));
    s.append(line("}"));
    return s.toString();
  }

  /**
   * Declares {@code pairs}: whether every even column of C is 8-byte aligned (C itself, the row
   * stride and the batch stride even), so that a thread's two adjacent outputs from an even
   * column can be one 8-byte store. Column origins of tiles and fragments are even.
   */
  static final String PAIRS_ALIGNED = line("const bool pairs = ((ldc | cBatch) & 1) == 0"
      + " && ((unsigned long long)C & 7) == 0;");

  /**
   * The lines that write outputs {@code (gm, gn)} and {@code (gm, gn + 1)} ({@code gn} even):
   * {@code C[gm][gn] = ember_epilogue(alpha * value + beta * bias[gm][gn])} for each that lies
   * inside C, without the bias term when there is none ({@link GemmEpilogue}); one 8-byte store
   * where both lie inside and {@code pairs} ({@link #PAIRS_ALIGNED}) holds, else each on its
   * own: half as many store instructions as one output at a time, each warp's filling whole
   * 32-byte sectors (8 rows by 4 threads' pairs). Every tensor-core generator's epilogue ends
   * here.
   */
  static String storePair(String indent, String first, String second) {
    String bias = "bias[(long long)gm * biasRow + (long long)(gn + %d) * biasCol]";
    return indent + "if (gm < M && gn < N) {\n"
        + indent + "  const bool both = gn + 1 < N;\n"
        + indent + "  float v0 = alpha * " + first + ";\n"
        + indent + "  float v1 = alpha * " + second + ";\n"
        + indent + "  if (bias != 0) {\n"
        + indent + "    v0 = fmaf(beta, " + bias.formatted(0) + ", v0);\n"
        + indent + "    if (both) {\n"
        + indent + "      v1 = fmaf(beta, " + bias.formatted(1) + ", v1);\n"
        + indent + "    }\n"
        + indent + "  }\n"
        + indent + "  float* c = C + cOff + (long long)gm * ldc + gn;\n"
        + indent + "  if (both && pairs) {\n"
        + indent + "    *reinterpret_cast<float2*>(c) = make_float2(ember_epilogue(v0),"
        + " ember_epilogue(v1));\n"
        + indent + "  } else {\n"
        + indent + "    c[0] = ember_epilogue(v0);\n"
        + indent + "    if (both) {\n"
        + indent + "      c[1] = ember_epilogue(v1);\n"
        + indent + "    }\n"
        + indent + "  }\n"
        + indent + "}\n";
  }

  /**
   * A's fragments of the warp's rows from a shared tile of mma words ({@code stage}: [m][k word],
   * rows on 16 bytes, 4 mod 8 words apart) at K word {@code word}, by one ldmatrix.x4 each:
   * matrix j is register j, rows {@code aRegRow(j)} (0 or 8) on, words {@code aRegWord(j)} (0 or
   * 4) on, and lane l gives the address of row l % 8 of matrix l / 8. A tf32 word is read as a
   * pair of b16, which moves it whole: the same instruction serves every precision.
   */
  static String ldmatrixA(MmaLayout l, MmaTile t, String stage, String word) {
    for (int j = 0; j < MmaLayout.A_REGS; j++) {
      if (l.aRegRow(j) != 8 * (j & 1) || l.aRegWord(j) != 4 * (j >> 1)) {
        throw new IllegalStateException("A register " + j + " is no ldmatrix.x4 matrix " + j);
      }
    }
    return line("    for (int mi = 0; mi < %d; mi++) {", t.fragsM())
        + line("      const int r = wm + mi * %d + (lane & 7) + ((lane >> 3) & 1) * 8;",
            MmaLayout.M)
        + line("      ember_ldmatrix_x4(af[mi], &%s[r][%s + (lane >> 4) * 4]);", stage, word)
        + line("    }");
  }

  /**
   * B's fragments from a shared tile of mma words ({@code stage}: B^T, [n][k word], as {@link
   * #ldmatrixA}), two column tiles per ldmatrix.x4: matrices 0 and 1 are registers 0 and 1
   * (words {@code bRegWord}: 0 and 4 on) of tile ni, 2 and 3 those of tile ni + 1.
   */
  static String ldmatrixB(MmaLayout l, MmaTile t, String stage, String word) {
    if (t.fragsN() % 2 != 0 || l.bRegWord(0) != 0 || l.bRegWord(1) != 4) {
      throw new IllegalStateException(t + ": B's fragments are no pairs of ldmatrix.x4 halves");
    }
    return line("    for (int ni = 0; ni < %d; ni += 2) {", t.fragsN())
        + line("      const int c = wn + (ni + (lane >> 4)) * %d + (lane & 7);", MmaLayout.N)
        + line("      unsigned q[4];")
        + line("      ember_ldmatrix_x4(q, &%s[c][%s + ((lane >> 3) & 1) * 4]);", stage, word)
        + line("      bf[ni][0] = q[0];")
        + line("      bf[ni][1] = q[1];")
        + line("      bf[ni + 1][0] = q[2];")
        + line("      bf[ni + 1][1] = q[3];")
        + line("    }");
  }

  /**
   * {@code ember_ldmatrix_x4(d, row)}: four 8x8 matrices of 16-bit values from shared memory,
   * lane l giving the address of row l % 8 of matrix l / 8 and getting, of each matrix j, the
   * word of its row l / 4, halves 2 (l % 4) and 2 (l % 4) + 1, as an mma fragment takes them.
   */
  static final String LDMATRIX = """
      __device__ __forceinline__ void ember_ldmatrix_x4(unsigned* d, const void* row) {
        const unsigned a = (unsigned) __cvta_generic_to_shared(row);
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
            : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3]) : "r"(a));
      }
      """;

  /**
   * {@code ember_ldmatrix_x2(d, row)}: as {@link #LDMATRIX}, two matrices, from the addresses
   * of lanes 0 to 15: one m16n8k16 B fragment (K words 0-3 and 4-7 of 8 rows).
   */
  static final String LDMATRIX_X2 = """
      __device__ __forceinline__ void ember_ldmatrix_x2(unsigned* d, const void* row) {
        const unsigned a = (unsigned) __cvta_generic_to_shared(row);
        asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
            : "=r"(d[0]), "=r"(d[1]) : "r"(a));
      }
      """;

  private static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }
}
