package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaKernels.Emitted;
import dev.ember.executor.lower.Kernel;

/**
 * CUDA C of a fused {@link Kernel.Attention} on tensor cores ({@code mma.sync}, sm_80 and later)
 * at a GEMM precision: inputs rounded to tf32, fp16 or bf16, as the unfused path's batched score
 * and context GEMMs round them at that precision, or at fp32 each input split into two tf32 words
 * and three products (3xTF32, {@link MmaGemmSource#SPLIT}), float32's accuracy. One block per
 * (query tile, head, batch row); each warp owns {@link #ROWS_PER_WARP} query rows, the row block
 * of one mma.
 *
 * <p>Per key tile ({@link #keyTile}: 32 keys, 16 for sequences that short): K (row-major) and V
 * (transposed) go to shared memory once as the tensor cores' input words; each warp multiplies
 * its Q fragments, held in registers for the whole kernel, by K^T into score fragments; scale and
 * mask run on each score element at its (batch, head, query, key); the online softmax (running
 * max and sum, as flash attention does) reduces each row across the four lanes that hold it; and
 * the probabilities multiply V straight from the score registers: an m16n8 accumulator pair is
 * the A fragment of the next product (fp16, bf16), or is after reading the keys in the order (0,
 * 2, 4, 6, 1, 3, 5, 7) of each eight (tf32), which V's fragments read in the same order. tf32
 * reads head dims in that order too, so a lane loads each of its A and B words as one 8-byte pair.
 *
 * <p>Shared rows are padded so that a warp's fragment loads hit 32 different banks.
 */
final class MmaAttentionSource {
  /** Query rows per warp: the M of one mma. */
  static final int ROWS_PER_WARP = 16;
  /** At most this many warps per block; fewer for short sequences. */
  static final int MAX_WARPS = 4;
  static final int KEY_TILE = 32;

  /**
   * Keys per tile for a sequence of {@code seq}: {@link #KEY_TILE}, or 16 where the whole
   * sequence fits (the k16 of one fp16 mma), so that short sentences do not multiply padding.
   */
  static int keyTile(int seq) {
    return seq <= 16 ? 16 : KEY_TILE;
  }

  /** The widest head fp32 takes: Q's fragments are twice tf32's (big and small words). */
  static final int MAX_FP32_HEAD = 64;

  /** Null when this kernel takes heads of {@code d} at {@code p}, else why not. */
  static String whyNot(GemmPrecision p, int d) {
    if (p == GemmPrecision.FP32 && d > MAX_FP32_HEAD) {
      return "a head of " + d + " at fp32 would hold its Q split in " + d + " registers; at most "
          + MAX_FP32_HEAD;
    }
    int step = kStep(p);
    return d % step == 0 ? null : "a head of " + d + " is not a multiple of " + step
        + ", the K of a " + p.confName() + " mma";
  }

  /** Warps per block for a sequence of {@code seq}: enough to cover it, at most four. */
  static int warps(int seq) {
    return Math.min(MAX_WARPS, (seq + ROWS_PER_WARP - 1) / ROWS_PER_WARP);
  }

  private static int kStep(GemmPrecision p) {
    return p == GemmPrecision.TF32 || p == GemmPrecision.FP32 ? 8 : 16;
  }

  static Emitted emit(CudaKernels ks, CudaCodegen cg, String name, Kernel.Attention a,
      GemmPrecision p) {
    return new MmaAttentionSource(ks, cg, a, p).emit(name);
  }

  private static final String NEG = "__int_as_float(0xff800000)";

  private final CudaKernels ks;
  private final int batch;
  private final int seq;
  private final int heads;
  private final int d;
  /** fp32 as 3xTF32: tf32's fragments, each split in two. */
  private final boolean split;
  /** tf32's k8 mma (fp32 too); else fp16/bf16's k16. */
  private final boolean tf32;
  private final int warps;
  private final int dSlices;
  private final int keyTile;
  private final int keyBlocks;
  private final int dBlocks;
  private final String q;
  private final String k;
  private final String v;
  private final int qRow;
  private final int kRow;
  private final int vRow;
  private final String out;
  private final CudaAttention.Score score;
  private final StringBuilder b = new StringBuilder();

  private MmaAttentionSource(CudaKernels ks, CudaCodegen cg, Kernel.Attention a,
      GemmPrecision p) {
    int[] qd = cg.dims(a.q());
    this.ks = ks;
    this.batch = qd[0];
    this.seq = qd[1];
    this.heads = qd[2];
    this.d = qd[3];
    String why = whyNot(p, d);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    this.split = p == GemmPrecision.FP32;
    this.tf32 = p == GemmPrecision.TF32 || split;
    this.warps = warps(seq);
    this.dSlices = d / kStep(p);
    this.dBlocks = d / 8;
    this.keyTile = keyTile(seq);
    this.keyBlocks = keyTile / 8;
    // Parameters in this order: Q, K, V, the output, what scale and mask read.
    this.q = ks.rows(a.q());
    this.k = ks.rows(a.k());
    this.v = ks.rows(a.v());
    this.qRow = cg.rowStride(a.q(), heads * d);
    this.kRow = cg.rowStride(a.k(), heads * d);
    this.vRow = cg.rowStride(a.v(), heads * d);
    this.out = ks.pointer(a.output(), true);
    this.score = CudaAttention.score(ks, cg, a, "sv", "        ");
  }

  private Emitted emit(String name) {
    declare();
    queryFragments();
    b.append(line("float o[%d][4];", dBlocks));
    b.append(line("#pragma unroll"));
    b.append(line("for (int n = 0; n < %d; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;",
        dBlocks));
    b.append(line("float m0 = %s, m1 = %s, l0 = 0.0f, l1 = 0.0f;", NEG, NEG));
    b.append(line("for (int j0 = 0; j0 < %d; j0 += %d) {", seq, keyTile));
    b.append(line("  __syncthreads();  // every warp is done with the previous tile"));
    stageKeyTile();
    b.append(line("  __syncthreads();"));
    scores();
    onlineSoftmax();
    weightedSum();
    b.append(line("}"));
    store();
    String source = ks.signature(name) + " {\n" + b + "}\n";
    GpuDriver.Dim3 grid = GpuDriver.Dim3.of(
        (seq + warps * ROWS_PER_WARP - 1) / (warps * ROWS_PER_WARP), heads, batch);
    return new Emitted(source, grid, GpuDriver.Dim3.of(warps * 32), ks.args());
  }

  /**
   * Words per shared row of the K tile (a key a row) for heads of {@code d}. fp16/bf16 fragments
   * are read by ldmatrix, 16 bytes of each of 8 rows a matrix: a stride of 4 mod 8 words puts the
   * 8 rows on 32 distinct banks. tf32 (and fp32's floats) lanes load a word pair at (g, 2t), half
   * a warp at a time: 8 mod 16.
   */
  static int kStride(boolean tf32, int d) {
    return tf32 ? d + (24 - d % 16) % 16 : d / 2 + 4;
  }

  /** Words per shared row of the V^T tile (a head dim a row), as {@link #kStride}. */
  static int vStride(boolean tf32, int keyTile) {
    return tf32 ? keyTile + 8 : keyTile / 2 + 4;
  }

  /** Shared tiles, this lane's coordinates and its two query rows. */
  private void declare() {
    int kStride = kStride(tf32, d);
    int vStride = vStride(tf32, keyTile);
    // ldmatrix needs 16-byte aligned rows: the array aligned, strides of 4 mod 8 words.
    String word = split ? "__align__(8) float" : tf32 ? "__align__(8) unsigned"
        : "__align__(16) unsigned";
    b.append(line("__shared__ %s Ks[%d][%d];  // K's words, a key a row", word, keyTile,
        kStride));
    b.append(line("__shared__ %s Vt[%d][%d];  // V's words, a head dim a row", word, d, vStride));
    b.append(line("const int b = blockIdx.z, h = blockIdx.y;"));
    b.append(line("const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;"));
    b.append(line("const int g = lane >> 2, t = lane & 3;"));
    b.append(line("// This lane's rows of the warp's 16: r0 and r0 + 8 (clamped for the mask)."));
    b.append(line("const int r0 = blockIdx.x * %d + warp * %d + g;", warps * ROWS_PER_WARP,
        ROWS_PER_WARP));
    b.append(line("const int rc0 = min(r0, %d), rc1 = min(r0 + 8, %d);", seq - 1, seq - 1));
    b.append(line("const float* q0 = r0 < %d ? %s + (long long)(b * %d + r0) * %d + h * %d : 0;",
        seq, q, seq, qRow, d));
    b.append(line("const float* q1 = r0 + 8 < %d ? %s + (long long)(b * %d + r0 + 8) * %d"
        + " + h * %d : 0;", seq, q, seq, qRow, d));
  }

  /** Q's A fragments for every head-dim slice, held in registers for the whole kernel. */
  private void queryFragments() {
    b.append(line("unsigned qa[%d][4];", dSlices));
    if (split) {
      b.append(line("unsigned qs[%d][4];  // what qa's tf32 words miss", dSlices));
    }
    b.append(line("#pragma unroll"));
    b.append(line("for (int kk = 0; kk < %d; kk++) {", dSlices));
    if (split) {
      b.append(line("  const int c = kk * 8 + 2 * t;"));
      b.append(line("  ember_split(q0 ? q0[c] : 0.0f, qa[kk][0], qs[kk][0]);"));
      b.append(line("  ember_split(q1 ? q1[c] : 0.0f, qa[kk][1], qs[kk][1]);"));
      b.append(line("  ember_split(q0 ? q0[c + 1] : 0.0f, qa[kk][2], qs[kk][2]);"));
      b.append(line("  ember_split(q1 ? q1[c + 1] : 0.0f, qa[kk][3], qs[kk][3]);"));
    } else if (tf32) {
      // Head dims 2t and 2t + 1 stand at K positions t and t + 4.
      b.append(line("  const int c = kk * 8 + 2 * t;"));
      b.append(line("  qa[kk][0] = ember_word(q0 ? q0[c] : 0.0f);"));
      b.append(line("  qa[kk][1] = ember_word(q1 ? q1[c] : 0.0f);"));
      b.append(line("  qa[kk][2] = ember_word(q0 ? q0[c + 1] : 0.0f);"));
      b.append(line("  qa[kk][3] = ember_word(q1 ? q1[c + 1] : 0.0f);"));
    } else {
      b.append(line("  const int c = kk * 16 + 2 * t;"));
      b.append(line("  qa[kk][0] = q0 ? ember_word(q0[c], q0[c + 1]) : 0u;"));
      b.append(line("  qa[kk][1] = q1 ? ember_word(q1[c], q1[c + 1]) : 0u;"));
      b.append(line("  qa[kk][2] = q0 ? ember_word(q0[c + 8], q0[c + 9]) : 0u;"));
      b.append(line("  qa[kk][3] = q1 ? ember_word(q1[c + 8], q1[c + 9]) : 0u;"));
    }
    b.append(line("}"));
  }

  /** K (a key a row) and V (a head dim a row) of tile j0 into shared memory as mma words. */
  private void stageKeyTile() {
    int threads = warps * 32;
    if (tf32) {
      String stored = split ? "" : "ember_word";
      for (int operand = 0; operand < 2; operand++) {
        // K a key a row, consecutive lanes along it; V^T as vDim and vColumn place it.
        boolean isK = operand == 0;
        b.append(line("  for (int u = threadIdx.x; u < %d; u += %d) {", keyTile * d, threads));
        b.append(isK ? line("    const int r = u / %d, e = u %% %d, kj = j0 + r;", d, d)
            : line("    const int e = %s, r = %s, kj = j0 + r;", vDimExpr("u", d),
                vColumnExpr("u", d)));
        b.append(line("    const long long row = (long long)(b * %d + min(kj, %d));", seq,
            seq - 1));
        b.append(line("    %s = %s(kj < %d ? %s[row * %d + h * %d + e] : 0.0f);",
            isK ? "Ks[r][e]" : "Vt[e][r]", stored, seq, isK ? k : v, isK ? kRow : vRow, d));
        b.append(line("  }"));
      }
    } else {
      // K: a word holds head dims 2w and 2w + 1; V^T: keys 2w and 2w + 1 of one head dim.
      b.append(line("  for (int u = threadIdx.x; u < %d; u += %d) {", keyTile * d / 2, threads));
      b.append(line("    const int r = u / %d, w = u %% %d, kj = j0 + r;", d / 2, d / 2));
      b.append(line("    const float* kp = %s + (long long)(b * %d + min(kj, %d)) * %d + h * %d"
          + " + 2 * w;", k, seq, seq - 1, kRow, d));
      b.append(line("    Ks[r][w] = kj < %d ? ember_word(kp[0], kp[1]) : 0u;", seq));
      b.append(line("  }"));
      b.append(line("  for (int u = threadIdx.x; u < %d; u += %d) {", keyTile / 2 * d, threads));
      b.append(line("    const int e = %s, w = %s, kj = j0 + 2 * w;", vDimExpr("u", d),
          vColumnExpr("u", d)));
      b.append(line("    const float* vp = %s + (long long)(b * %d + min(kj, %d)) * %d + h * %d"
          + " + e;", v, seq, seq - 1, vRow, d));
      b.append(line("    Vt[e][w] = ember_word(kj < %d ? vp[0] : 0.0f, kj + 1 < %d ? vp[%d] :"
          + " 0.0f);", seq, seq, vRow));
      b.append(line("  }"));
    }
  }

  /**
   * The head dim of the {@code u}-th word a block stages into the V^T tile: each warp takes 8
   * head dims by 4 columns ({@link #vColumn}: key pairs at fp16 and bf16, keys at tf32), so that
   * its stores into {@code Vt[e][column]} ({@link #vStride} words a row) hit 32 banks at 16
   * bits (rows 4 mod 8 words apart) and 16 at tf32 (8 mod 16: two ways, where a row of 32 head
   * dims hit 4, eight ways), and its loads read 32 bytes of each row of V they touch.
   */
  static int vDim(int u, int d) {
    return ((u >> 5) % (d / 8)) * 8 + (u & 7);
  }

  /** The V^T column (key pair, or key at tf32) of the {@code u}-th word; see {@link #vDim}. */
  static int vColumn(int u, int d) {
    return ((u >> 5) / (d / 8)) * 4 + ((u >> 3) & 3);
  }

  /** {@link #vDim} as CUDA C over {@code u}. */
  private static String vDimExpr(String u, int d) {
    return "((" + u + " >> 5) % " + d / 8 + ") * 8 + (" + u + " & 7)";
  }

  /** {@link #vColumn} as CUDA C over {@code u}. */
  private static String vColumnExpr(String u, int d) {
    return "((" + u + " >> 5) / " + d / 8 + ") * 4 + ((" + u + " >> 3) & 3)";
  }

  /** s = Q K^T for the tile, then scale and mask at each element's (query, key). */
  private void scores() {
    b.append(line("  float s[%d][4];", keyBlocks));
    b.append(line("  #pragma unroll"));
    b.append(line("  for (int jn = 0; jn < %d; jn++) {", keyBlocks));
    b.append(line("    s[jn][0] = s[jn][1] = s[jn][2] = s[jn][3] = 0.0f;"));
    b.append(line("    #pragma unroll"));
    b.append(line("    for (int kk = 0; kk < %d; kk++) {", dSlices));
    if (split) {
      smallTerms("k", "Ks[jn * 8 + g][kk * 8 + 2 * t]", "s[jn]", "qa[kk]", "qs[kk]");
    } else if (tf32) {
      wordPair("k", "Ks[jn * 8 + g][kk * 8 + 2 * t]");
    } else {
      sixteenBitPair("k", "Ks", "jn * 8", "kk * 8");
    }
    b.append(line("      ember_mma(s[jn], qa[kk], kb);"));
    b.append(line("    }"));
    b.append(line("    // Scale and mask at each element's (query, key);"
        + " keys past the end: -inf."));
    b.append(line("    #pragma unroll"));
    b.append(line("    for (int e = 0; e < 4; e++) {"));
    b.append(line("      const int qc = e < 2 ? rc0 : rc1;"));
    b.append(line("      const int kj = j0 + jn * 8 + 2 * t + (e & 1);"));
    b.append(line("      const int kc = min(kj, %d);", seq - 1));
    b.append(line("      const float sv = s[jn][e];"));
    b.append(line("      {"));
    b.append(score.code());
    b.append(line("        s[jn][e] = kj < %d ? %s : %s;", seq, score.value(), NEG));
    b.append(line("      }"));
    b.append(line("    }"));
    b.append(line("  }"));
  }

  /** Running max and sum per row (each row's quad of lanes), the output rescaled, s now P. */
  private void onlineSoftmax() {
    b.append(line("  float mt0 = %s, mt1 = %s;", NEG, NEG));
    b.append(line("  #pragma unroll"));
    b.append(line("  for (int jn = 0; jn < %d; jn++) {", keyBlocks));
    b.append(line("    mt0 = fmaxf(mt0, fmaxf(s[jn][0], s[jn][1]));"));
    b.append(line("    mt1 = fmaxf(mt1, fmaxf(s[jn][2], s[jn][3]));"));
    b.append(line("  }"));
    b.append(line("  for (int x = 1; x < 4; x <<= 1) {"));
    b.append(line("    mt0 = fmaxf(mt0, __shfl_xor_sync(0xffffffffu, mt0, x));"));
    b.append(line("    mt1 = fmaxf(mt1, __shfl_xor_sync(0xffffffffu, mt1, x));"));
    b.append(line("  }"));
    b.append(line("  const float mn0 = fmaxf(m0, mt0), mn1 = fmaxf(m1, mt1);"));
    b.append(line("  // Masked-out keys (-inf) and a row still at -inf contribute nothing."));
    b.append(line("  const float c0 = m0 == %s ? 0.0f : expf(m0 - mn0);", NEG));
    b.append(line("  const float c1 = m1 == %s ? 0.0f : expf(m1 - mn1);", NEG));
    b.append(line("  float ps0 = 0.0f, ps1 = 0.0f;"));
    b.append(line("  #pragma unroll"));
    b.append(line("  for (int jn = 0; jn < %d; jn++) {", keyBlocks));
    b.append(line("    #pragma unroll"));
    b.append(line("    for (int e = 0; e < 4; e++) {"));
    b.append(line("      const float mn = e < 2 ? mn0 : mn1;"));
    b.append(line("      s[jn][e] = s[jn][e] == %s ? 0.0f : expf(s[jn][e] - mn);", NEG));
    b.append(line("    }"));
    b.append(line("    ps0 += s[jn][0] + s[jn][1];"));
    b.append(line("    ps1 += s[jn][2] + s[jn][3];"));
    b.append(line("  }"));
    b.append(line("  for (int x = 1; x < 4; x <<= 1) {"));
    b.append(line("    ps0 += __shfl_xor_sync(0xffffffffu, ps0, x);"));
    b.append(line("    ps1 += __shfl_xor_sync(0xffffffffu, ps1, x);"));
    b.append(line("  }"));
    b.append(line("  l0 = l0 * c0 + ps0;"));
    b.append(line("  l1 = l1 * c1 + ps1;"));
    b.append(line("  m0 = mn0;"));
    b.append(line("  m1 = mn1;"));
    b.append(line("  #pragma unroll"));
    b.append(line("  for (int n = 0; n < %d; n++) {", dBlocks));
    b.append(line("    o[n][0] *= c0; o[n][1] *= c0; o[n][2] *= c1; o[n][3] *= c1;"));
    b.append(line("  }"));
  }

  /** O += P V: the probabilities' accumulators are the A fragments. */
  private void weightedSum() {
    b.append(line("  // O += P V: the probabilities' accumulators are the A fragments."));
    b.append(line("  #pragma unroll"));
    if (split) {
      b.append(line("  for (int kk = 0; kk < %d; kk++) {", keyBlocks));
      b.append(line("    unsigned pa[4], ps[4];"));
      b.append(line("    ember_split(s[kk][0], pa[0], ps[0]);"));
      b.append(line("    ember_split(s[kk][2], pa[1], ps[1]);"));
      b.append(line("    ember_split(s[kk][1], pa[2], ps[2]);"));
      b.append(line("    ember_split(s[kk][3], pa[3], ps[3]);"));
      b.append(line("    #pragma unroll"));
      b.append(line("    for (int n = 0; n < %d; n++) {", dBlocks));
      smallTerms("v", "Vt[n * 8 + g][kk * 8 + 2 * t]", "o[n]", "pa", "ps");
    } else if (tf32) {
      b.append(line("  for (int kk = 0; kk < %d; kk++) {", keyBlocks));
      b.append(line("    const unsigned pa[4] = {ember_word(s[kk][0]), ember_word(s[kk][2]),"
          + " ember_word(s[kk][1]), ember_word(s[kk][3])};"));
      b.append(line("    #pragma unroll"));
      b.append(line("    for (int n = 0; n < %d; n++) {", dBlocks));
      wordPair("v", "Vt[n * 8 + g][kk * 8 + 2 * t]");
    } else {
      b.append(line("  for (int kk = 0; kk < %d; kk++) {", keyTile / 16));
      b.append(line("    const unsigned pa[4] = {ember_word(s[2 * kk][0], s[2 * kk][1]),"
          + " ember_word(s[2 * kk][2], s[2 * kk][3]),"));
      b.append(line("        ember_word(s[2 * kk + 1][0], s[2 * kk + 1][1]),"
          + " ember_word(s[2 * kk + 1][2], s[2 * kk + 1][3])};"));
      b.append(line("    #pragma unroll"));
      b.append(line("    for (int n = 0; n < %d; n++) {", dBlocks));
      sixteenBitPair("v", "Vt", "n * 8", "kk * 8");
    }
    b.append(line("      ember_mma(o[n], pa, vb);"));
    b.append(line("    }"));
    b.append(line("  }"));
  }

  /**
   * fp32's two small terms of {@code acc += A B}: B's float pair at {@code at} split into {@code
   * <x>b} (the tf32 words the big-by-big product that follows reads) and {@code <x>s}, then
   * small A by big B and big A by small B.
   */
  private void smallTerms(String x, String at, String acc, String a, String aSmall) {
    b.append(line("      const float2 %sf = *(const float2*)&%s;", x, at));
    b.append(line("      unsigned %sb[2], %ss[2];", x, x));
    b.append(line("      ember_split(%sf.x, %sb[0], %ss[0]);", x, x, x));
    b.append(line("      ember_split(%sf.y, %sb[1], %ss[1]);", x, x, x));
    b.append(line("      ember_mma(%s, %s, %sb);", acc, aSmall, x));
    b.append(line("      ember_mma(%s, %s, %ss);", acc, a, x));
  }

  /**
   * fp16/bf16's B fragment {@code <x>b} of the 8 rows of {@code tile} from {@code row} on: words
   * t and t + 4 from {@code word} on of row g, by one ldmatrix.x2 (lanes 0 to 7 address the rows
   * of the first 4 words, lanes 8 to 15 those of the next).
   */
  private void sixteenBitPair(String x, String tile, String row, String word) {
    b.append(line("      unsigned %sb[2];  // words t and 4 + t of row %s + g", x, row));
    b.append(line("      ember_ldmatrix_x2(%sb, &%s[%s + (lane & 7)][%s + ((lane >> 3) & 1) * 4]);",
        x, tile, row, word));
  }

  /** tf32's B fragment {@code <x>b}: the word pair at {@code at}, one 8-byte load. */
  private void wordPair(String x, String at) {
    b.append(line("      const uint2 %sw = *(const uint2*)&%s;", x, at));
    b.append(line("      const unsigned %sb[2] = {%sw.x, %sw.y};", x, x, x));
  }

  /**
   * O / l into the output's [batch, seq, heads, headDim] rows that exist: each lane's two
   * adjacent head dims of a row as one 8-byte store where the output starts on 8 bytes (every
   * pair then does: rows and c are even), half the store instructions.
   */
  private void store() {
    b.append(line("const long long o0 = ((long long)(b * %d + r0) * %d + h) * %d;", seq, heads,
        d));
    b.append(line("const long long o1 = o0 + %d;", 8L * heads * d));
    b.append(line("const bool pairs = ((unsigned long long)%s & 7) == 0;", out));
    b.append(line("#pragma unroll"));
    b.append(line("for (int n = 0; n < %d; n++) {", dBlocks));
    b.append(line("  const int c = n * 8 + 2 * t;"));
    for (int half = 0; half < 2; half++) {
      String at = out + "[o" + half + " + c]";
      String first = "o[n][" + 2 * half + "] / l" + half;
      String second = "o[n][" + (2 * half + 1) + "] / l" + half;
      b.append(line("  if (r0%s < %d) {", half == 0 ? "" : " + 8", seq));
      b.append(line("    if (pairs) {"));
      b.append(line("      *reinterpret_cast<float2*>(&%s) = make_float2(%s, %s);", at, first,
          second));
      b.append(line("    } else {"));
      b.append(line("      %s = %s;", at, first));
      b.append(line("      %s[o%d + c + 1] = %s;", out, half, second));
      b.append(line("    }"));
      b.append(line("  }"));
    }
    b.append(line("}"));
  }

  private static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }
}
