package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaKernels.Emitted;
import dev.ember.executor.lower.Kernel;
import java.util.Map;

/**
 * CUDA C of a fused {@link Kernel.Attention}: one block per (query tile, head, batch row), keys
 * and values streamed through shared memory 32 at a time with an online softmax (running max and
 * sum, rescaled as each key tile arrives, as flash attention does), so the scores never reach
 * global memory and Q, K, V and the output are read and written in their [batch, seq, heads,
 * headDim] layout (Q, K and V rows possibly further apart: column blocks of one GEMM's output),
 * without the four transposes. Each warp owns {@link #ROWS_PER_WARP} query rows;
 * lane j scores key j of the tile, and lane d accumulates output element d (and d + 32, ...).
 *
 * <p>The scale and mask between the scores and softmax are the graph's own nodes, emitted as
 * they are ({@link CudaKernels#compute}), at the score's coordinates (batch, head, query, key).
 * Float32 throughout, on the CUDA cores: the kernel on devices before sm_80 and for heads the
 * tensor-core kernel ({@link MmaAttentionSource}, which runs the products on tensor cores at every
 * precision, fp32 as 3xTF32) does not take.
 */
final class CudaAttention {
  static final int WARPS = 4;
  static final int ROWS_PER_WARP = 4;
  static final int QUERY_TILE = WARPS * ROWS_PER_WARP;
  static final int KEY_TILE = 32;

  private CudaAttention() {}

  /**
   * The kernel for {@code a}: on tensor cores ({@link MmaAttentionSource}) where {@code
   * tensorCores} names a precision that takes its heads, else float32 on the CUDA cores.
   */
  static Emitted emit(CudaKernels ks, CudaCodegen cg, String name, Kernel.Attention a,
      GemmPrecision tensorCores) {
    int d = cg.dims(a.q())[3];
    if (tensorCores != null && MmaAttentionSource.whyNot(tensorCores, d) == null) {
      cg.once(MmaGemmSource.helpers(tensorCores)); // ember_word, ember_mma (and ember_split)
      if (MmaLayout.of(tensorCores).perWord() == 2) {
        cg.once(MmaGemmSource.LDMATRIX_X2); // K's and V's fragments at fp16 and bf16
      }
      return MmaAttentionSource.emit(ks, cg, name, a, tensorCores);
    }
    return float32(ks, cg, name, a);
  }

  /** The scale and mask's statements at (b, h, qc, kc), and the softmax input they leave. */
  record Score(String code, String value) {}

  /**
   * {@link Score} of the score held in local {@code seed}, each statement at {@code indent}; the
   * statements declare {@code i}, the flat index of full-shape operands, and need b, h, qc, kc.
   */
  static Score score(CudaKernels ks, CudaCodegen cg, Kernel.Attention a, String seed,
      String indent) {
    int[] sd = cg.dims(a.scores());
    StringBuilder code = new StringBuilder(indent).append(
        "const int i = ((b * %d + h) * %d + qc) * %d + kc;  // full-shape operands\n"
            .formatted(sd[1], sd[2], sd[3]));
    CudaKernels.Domain dom = ks.new Domain(sd, "b", "h", "qc", "kc");
    Map<String, String> locals = ks.compute(a.scoreOps(), dom, code, indent,
        Map.of(a.scores(), seed));
    String x = locals.get(a.softmaxInput());
    return new Score(code.toString(), x == null ? seed : x);
  }

  private static Emitted float32(CudaKernels ks, CudaCodegen cg, String name,
      Kernel.Attention a) {
    int[] qd = cg.dims(a.q());
    int batch = qd[0];
    int seq = qd[1];
    int heads = qd[2];
    int d = qd[3];
    int perLane = (d + 31) / 32;
    // Q, K and V rows may be column blocks of one GEMM group's output (Fusions.gemmGroups).
    String q = ks.rows(a.q());
    String k = ks.rows(a.k());
    String v = ks.rows(a.v());
    int qRow = cg.rowStride(a.q(), heads * d);
    int kRow = cg.rowStride(a.k(), heads * d);
    int vRow = cg.rowStride(a.v(), heads * d);
    String out = ks.pointer(a.output(), true);
    // Scale and mask: the prologue at (batch, head, query, key), query and key clamped in range
    // so that loads stay inside the mask even for the tile's padding rows and keys.
    Score score = score(ks, cg, a, "s", "      ");
    StringBuilder b = new StringBuilder();
    b.append(line("__shared__ float Ks[%d][%d];  // +1: lane j reads row j without conflicts",
        KEY_TILE, d + 1));
    b.append(line("__shared__ float Vs[%d][%d];", KEY_TILE, d));
    b.append(line("__shared__ float Qs[%d][%d];", QUERY_TILE, d));
    b.append(line("const int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * %d;", QUERY_TILE));
    b.append(line("const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;"));
    b.append(line("for (int t = threadIdx.x; t < %d; t += %d) {", QUERY_TILE * d, WARPS * 32));
    b.append(line("  const int r = t / %d, e = t %% %d, qi = q0 + r;", d, d));
    b.append(line("  Qs[r][e] = qi < %d ? %s[(long long)(b * %d + qi) * %d + h * %d + e] : 0.0f;",
        seq, q, seq, qRow, d));
    b.append(line("}"));
    b.append(line("float m[%d], l[%d], acc[%d][%d];", ROWS_PER_WARP, ROWS_PER_WARP,
        ROWS_PER_WARP, perLane));
    // Loops over a warp's rows unrolled, so m, l and acc stay registers (rolled, ptxas kept
    // them in a 48-byte stack frame on MiniLM).
    b.append(line("#pragma unroll"));
    b.append(line("for (int r = 0; r < %d; r++) {", ROWS_PER_WARP));
    b.append(line("  m[r] = __int_as_float(0xff800000);"));
    b.append(line("  l[r] = 0.0f;"));
    b.append(line("  for (int e = 0; e < %d; e++) acc[r][e] = 0.0f;", perLane));
    b.append(line("}"));
    b.append(line("for (int j0 = 0; j0 < %d; j0 += %d) {", seq, KEY_TILE));
    b.append(line("  __syncthreads();  // the previous tile is consumed (and Qs written)"));
    b.append(line("  for (int t = threadIdx.x; t < %d; t += %d) {", KEY_TILE * d, WARPS * 32));
    b.append(line("    const int r = t / %d, e = t %% %d, kj = j0 + r;", d, d));
    b.append(line("    const long long row = b * %d + kj;", seq));
    b.append(line("    Ks[r][e] = kj < %d ? %s[row * %d + h * %d + e] : 0.0f;", seq, k, kRow, d));
    b.append(line("    Vs[r][e] = kj < %d ? %s[row * %d + h * %d + e] : 0.0f;", seq, v, vRow, d));
    b.append(line("  }"));
    b.append(line("  __syncthreads();"));
    b.append(line("  const int kj = j0 + lane;"));
    b.append(line("  const int kc = kj < %d ? kj : %d;", seq, seq - 1));
    b.append(line("  #pragma unroll"));
    b.append(line("  for (int rr = 0; rr < %d; rr++) {", ROWS_PER_WARP));
    b.append(line("    const int r = warp * %d + rr;", ROWS_PER_WARP));
    b.append(line("    const int qc = q0 + r < %d ? q0 + r : %d;", seq, seq - 1));
    b.append(line("    float s = 0.0f;"));
    b.append(line("    for (int e = 0; e < %d; e++) s = fmaf(Qs[r][e], Ks[lane][e], s);", d));
    b.append(line("    {"));
    b.append(score.code());
    b.append(line("      s = kj < %d ? %s : __int_as_float(0xff800000);", seq, score.value()));
    b.append(line("    }"));
    b.append(line("    float mt = s;"));
    b.append(line("    for (int o = 16; o > 0; o >>= 1) mt = fmaxf(mt, __shfl_xor_sync(0xffffffffu,"
        + " mt, o));"));
    b.append(line("    const float mn = fmaxf(m[rr], mt);"));
    b.append(line("    // Masked-out keys (-inf) and a row still at -inf contribute nothing."));
    b.append(line("    const float p = s == __int_as_float(0xff800000) ? 0.0f : expf(s - mn);"));
    b.append(line("    const float corr = m[rr] == __int_as_float(0xff800000) ? 0.0f"
        + " : expf(m[rr] - mn);"));
    b.append(line("    float ps = p;"));
    b.append(line("    for (int o = 16; o > 0; o >>= 1) ps += __shfl_xor_sync(0xffffffffu, ps,"
        + " o);"));
    b.append(line("    l[rr] = l[rr] * corr + ps;"));
    b.append(line("    m[rr] = mn;"));
    b.append(line("    for (int e = 0; e < %d; e++) acc[rr][e] *= corr;", perLane));
    b.append(line("    for (int jj = 0; jj < %d; jj++) {", KEY_TILE));
    b.append(line("      const float pj = __shfl_sync(0xffffffffu, p, jj);"));
    b.append(line("      for (int e = 0; e < %d; e++) {", perLane));
    b.append(line("        const int dd = lane + 32 * e;"));
    b.append(line("        if (dd < %d) acc[rr][e] = fmaf(pj, Vs[jj][dd], acc[rr][e]);", d));
    b.append(line("      }"));
    b.append(line("    }"));
    b.append(line("  }"));
    b.append(line("}"));
    b.append(line("#pragma unroll"));
    b.append(line("for (int rr = 0; rr < %d; rr++) {", ROWS_PER_WARP));
    b.append(line("  const int qi = q0 + warp * %d + rr;", ROWS_PER_WARP));
    b.append(line("  if (qi >= %d) continue;", seq));
    b.append(line("  for (int e = 0; e < %d; e++) {", perLane));
    b.append(line("    const int dd = lane + 32 * e;"));
    b.append(line("    if (dd < %d) %s[((long long)(b * %d + qi) * %d + h) * %d + dd] ="
        + " acc[rr][e] / l[rr];", d, out, seq, heads, d));
    b.append(line("  }"));
    b.append(line("}"));
    String source = ks.signature(name) + " {\n" + b + "}\n";
    GpuDriver.Dim3 grid = GpuDriver.Dim3.of((seq + QUERY_TILE - 1) / QUERY_TILE, heads, batch);
    return new Emitted(source, grid, GpuDriver.Dim3.of(WARPS * 32), ks.args());
  }

  private static String line(String format, Object... args) {
    return "  " + format.formatted(args) + "\n";
  }
}
