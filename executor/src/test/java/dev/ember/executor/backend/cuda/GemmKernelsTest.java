package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.jcublas.cublasOperation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Launch geometry and arguments of the generated GEMMs, checked against their own source. */
class GemmKernelsTest {
  private static final GemmShape BIASED = new GemmShape(3, 70, 45, 33, 70 * 33, 33, 1,
      0, 1, 33, 70 * 45, 45, 2f, 0.5f, true, 0, 1);

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void argsMatchTheKernelSignature(GemmPrecision p) {
    List<String> params = signature(GemmKernels.source(p), GemmKernels.kernelName(p));
    Object[] args = GemmKernels.args(1L << 40, 2L << 40, 3L << 40, 4L << 40, BIASED);
    assertEquals(params.size(), args.length);
    for (int i = 0; i < args.length; i++) {
      assertEquals(javaType(params.get(i)), args[i].getClass(), "parameter " + params.get(i));
    }
  }

  @Test
  void biasFillArgsMatchItsSignature() {
    List<String> params = signature(GemmKernels.biasFillSource(), GemmKernels.BIAS_FILL_KERNEL);
    Object[] args = GemmKernels.biasFillArgs(1L, 2L, BIASED);
    assertEquals(params.size(), args.length);
    for (int i = 0; i < args.length; i++) {
      assertEquals(javaType(params.get(i)), args[i].getClass(), "parameter " + params.get(i));
    }
  }

  @Test
  void withoutBiasThePointerAndStridesAreZero() {
    GemmShape s = GemmShape.rowMajor(1, 4, 4, 4);
    Object[] args = GemmKernels.args(1L, 2L, 3L, 99L, s);
    assertEquals(0L, args[3]);
    assertEquals(0, args[17]);
    assertEquals(0, args[18]);
    Object[] biased = GemmKernels.args(1L, 2L, 3L, 99L, BIASED);
    assertEquals(99L, biased[3]);
    assertEquals(1, biased[18]);
  }

  @Test
  void geometryCoversTheOutputWithOneBlockPerTile() {
    Geometry simt = GemmKernels.geometry(GemmPrecision.FP32, BIASED);
    assertEquals(Dim3.of(1, 2, 3), simt.grid()); // n 45 -> 1 tile of 64, m 70 -> 2 tiles
    assertEquals(Dim3.of(256), simt.block());
    Geometry big = GemmKernels.geometry(GemmPrecision.BF16, GemmShape.rowMajor(1, 4096, 4096, 64));
    assertEquals(Dim3.of(32, 32, 1), big.grid());
    assertEquals(Dim3.of(256), big.block());
    // 5 x 129 x 256 makes 20 blocks of 128 and 60 of 64: too few, so 32x32 tiles (200 blocks).
    Geometry small = GemmKernels.geometry(GemmPrecision.BF16, GemmShape.rowMajor(5, 129, 256, 8));
    assertEquals(Dim3.of(8, 5, 5), small.grid());
    assertEquals(Dim3.of(128), small.block());
  }

  @Test
  void tilesFollowTheShape() {
    // MiniLM at 64 sentences of 32 tokens: projections, FFN, attention per head; and a big square.
    assertEquals(MmaTile.T64_ASYNC, fp16(GemmShape.rowMajor(1, 2048, 384, 384)));
    assertEquals(MmaTile.T64_ASYNC, fp16(GemmShape.rowMajor(1, 2048, 384, 1536)));
    assertEquals(MmaTile.T64_ASYNC, fp16(GemmShape.rowMajor(1, 2048, 1536, 384)));
    assertEquals(MmaTile.T64_ASYNC, fp16(GemmShape.rowMajor(768, 32, 32, 32)));
    GemmShape square = GemmShape.rowMajor(1, 4096, 4096, 4096);
    assertEquals(MmaTile.T128_K32, fp16(square));
    assertEquals(MmaTile.T64_ASYNC, MmaTile.forShape(GemmPrecision.TF32, square));
    // Without cp.async (N = 382): deeper slices only for long K; too small to fill the device:
    // the smallest tile, not the largest.
    assertEquals(MmaTile.T64_K32, fp16(GemmShape.rowMajor(1, 2048, 382, 384)));
    assertEquals(MmaTile.T64_K64, fp16(GemmShape.rowMajor(1, 2048, 382, 1536)));
    assertEquals(MmaTile.T32_K32, fp16(GemmShape.rowMajor(1, 100, 102, 100)));
    assertEquals(MmaTile.T32_K64, fp16(GemmShape.rowMajor(1, 100, 102, 1500)));
    assertNull(GemmKernels.tile(GemmPrecision.FP32, GemmShape.rowMajor(1, 2048, 384, 384)));
  }

  private static MmaTile fp16(GemmShape s) {
    return MmaTile.forShape(GemmPrecision.FP16, s);
  }

  @Test
  void pipelinedTilesNeedOperandsThatCpAsyncCanCopy() {
    // MiniLM's row-major projections (bias shapes aside) take the cp.async tile.
    GemmShape rowMajor = GemmShape.rowMajor(1, 2048, 384, 384);
    assertNull(GemmKernels.asyncWhyNot(rowMajor));
    assertEquals(MmaTile.T64_ASYNC, fp16(rowMajor));
    assertEquals(MmaTile.T32_ASYNC, fp16(GemmShape.rowMajor(1, 100, 100, 100)));
    // N = 30 leaves rows of B off 16 bytes; K = 7 leaves A's.
    assertNotNull(GemmKernels.asyncWhyNot(GemmShape.rowMajor(1, 64, 30, 64)));
    assertEquals(MmaTile.T32_K32, fp16(GemmShape.rowMajor(1, 64, 30, 64)));
    assertNotNull(GemmKernels.asyncWhyNot(GemmShape.rowMajor(1, 64, 64, 7)));
    assertEquals(MmaTile.T64_K32, MmaTile.T64_ASYNC.synchronous());
  }

  /**
   * Both operands in 16 bits, a pipelined tile's stages are twice as deep and take no more shared
   * memory than its float32 ones, so no block fits fewer of itself on a multiprocessor.
   */
  @Test
  void sixteenBitStagesAreTwiceAsDeepInNoMoreSharedMemory() {
    for (GemmPrecision p : new GemmPrecision[] {GemmPrecision.FP16, GemmPrecision.BF16}) {
      for (MmaTile t : MmaTile.values()) {
        if (t.stages() == 0) {
          continue;
        }
        assertEquals(2 * t.k(), MmaAsyncGemmSource.sliceK(t, HalfOperands.A_AND_B));
        assertEquals(t.k(), MmaAsyncGemmSource.sliceK(t, HalfOperands.B));
        assertTrue(MmaAsyncGemmSource.sharedBytes(p, t, HalfOperands.A_AND_B)
            <= MmaAsyncGemmSource.sharedBytes(p, t), t + " " + p);
        assertTrue(GemmKernels.source(p, t, GemmEpilogue.NONE, HalfOperands.A_AND_B)
            .contains("kk < " + 2 * t.k() + ";"), t + " " + p);
      }
    }
  }

  @Test
  void pipelinedTilesPastFortyEightKilobytesTakeTheirStagesDynamically() {
    GemmShape s = GemmShape.rowMajor(1, 4096, 4096, 4096);
    for (GemmPrecision p : new GemmPrecision[] {GemmPrecision.TF32, GemmPrecision.FP16}) {
      int bytes = MmaAsyncGemmSource.sharedBytes(p, MmaTile.T128_ASYNC);
      assertTrue(bytes > 48 * 1024 && bytes <= 99 * 1024, p + ": " + bytes); // sm_86 allows 99 KB
      assertEquals(bytes, GemmKernels.geometry(p, s, MmaTile.T128_ASYNC).sharedBytes());
      assertTrue(GemmKernels.source(p, MmaTile.T128_ASYNC)
          .contains("extern __shared__ __align__(16) float ember_smem[];"));
      for (MmaTile t : new MmaTile[] {MmaTile.T64_ASYNC, MmaTile.T32_ASYNC, MmaTile.T128_K32}) {
        assertEquals(0, GemmKernels.geometry(p, s, t).sharedBytes(), t + " " + p);
        assertFalse(GemmKernels.source(p, t).contains("ember_smem"), t + " " + p);
      }
    }
    assertEquals(MmaTile.T128_K32, MmaTile.T128_ASYNC.synchronous());
    for (int m : new int[] {64, 2048, 4096}) { // the rule never picks it: only the tuner does
      assertNotEquals(MmaTile.T128_ASYNC, fp16(GemmShape.rowMajor(1, m, 4096, 4096)));
    }
  }

  @Test
  void everyTileSplitsEvenlyAmongItsWarpsAndThreads() {
    for (MmaTile t : MmaTile.values()) {
      assertEquals(t.size(), t.warpM() * (t.threads() / 32 / t.warpsN()), t.name());
      assertEquals(t.size(), t.warpN() * t.warpsN(), t.name());
      assertEquals(t.warpM(), t.fragsM() * MmaLayout.M, t.name());
      assertEquals(t.warpN(), t.fragsN() * MmaLayout.N, t.name());
      for (GemmPrecision p : new GemmPrecision[] {GemmPrecision.TF32, GemmPrecision.FP16}) {
        String src = GemmKernels.source(p, t); // throws when the loads do not split evenly
        assertTrue(src.contains("m0 = blockIdx.y * " + t.size() + ";"), t + " " + p);
        assertTrue(src.contains("n0 = blockIdx.x * " + t.size() + ";"), t + " " + p);
        assertTrue(src.contains("float acc[" + t.fragsM() + "][" + t.fragsN() + "][4];"));
        assertTrue(t.stages() > 0
            ? src.contains("kTiles = (K + " + (t.k() - 1) + ") / " + t.k() + ";")
                && src.contains("cp.async.wait_group " + (t.stages() - 2) + ";")
            : src.contains("k0 += " + t.k() + ")"), t + " " + p);
      }
    }
  }

  @Test
  void tileSizesAgreeWithTheSource() {
    assertTrue(GemmKernels.source(GemmPrecision.FP32).contains("m0 = blockIdx.y * 64;"));
    assertTrue(GemmKernels.source(GemmPrecision.FP32).contains("n0 = blockIdx.x * 64;"));
    String tf32 = GemmKernels.source(GemmPrecision.TF32);
    assertTrue(tf32.contains("m0 = blockIdx.y * 128;"));
    assertTrue(tf32.contains("n0 = blockIdx.x * 128;"));
  }

  /**
   * The fragments are read by ldmatrix.x4, whose matrix j a lane receives as word (lane % 4) of
   * row (lane / 4): the layout's register j must be that matrix, rows {@code 8 (j & 1)} and words
   * {@code 4 (j >> 1)} on for A, words {@code 4 j} on for B, at every precision.
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"TF32", "FP16", "BF16"})
  void emittedFragmentLoadsFollowTheLayout(GemmPrecision p) {
    String src = GemmKernels.source(p);
    MmaLayout l = MmaLayout.of(p);
    for (int j = 0; j < MmaLayout.A_REGS; j++) {
      assertEquals(8 * (j & 1), l.aRegRow(j), "A register " + j + "'s rows");
      assertEquals(4 * (j >> 1), l.aRegWord(j), "A register " + j + "'s words");
    }
    for (int j = 0; j < MmaLayout.B_REGS; j++) {
      assertEquals(4 * j, l.bRegWord(j), "B register " + j + "'s words");
    }
    assertTrue(src.contains("ember_ldmatrix_x4(af[mi], &As[r][kw + (lane >> 4) * 4]);"), src);
    assertTrue(src.contains("ember_ldmatrix_x4(q, &Bs[c][kw + ((lane >> 3) & 1) * 4]);"), src);
    // Accumulators i and i + 1 (i even) are stored as the pair of columns at the row and even
    // column of i.
    for (int i = 0; i < MmaLayout.C_ELEMS; i += 2) {
      assertTrue(src.contains("g + " + l.cRow(0, i) + ";"), src);
      assertTrue(src.contains("2 * t + " + l.cCol(0, i) + ";"), src);
      assertEquals(l.cRow(0, i), l.cRow(0, i + 1));
      assertEquals(l.cCol(0, i) + 1, l.cCol(0, i + 1));
      assertTrue(src.contains("float v0 = alpha * acc[mi][ni][" + i + "];\n"
          + "          float v1 = alpha * acc[mi][ni][" + (i + 1) + "];"), src);
    }
  }

  /**
   * The pipelined kernel keeps float32 [m][k] and [k][n] stages and rounds fragments as it reads
   * them: its reads must be the layout's elements (the device check verified this generator's
   * output against the fp32 kernel on an H200; this pins the text it verified).
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"TF32", "FP16", "BF16"})
  void pipelinedFragmentReadsFollowTheLayout(GemmPrecision p) {
    String src = GemmKernels.source(p, MmaTile.T64_ASYNC);
    MmaLayout l = MmaLayout.of(p);
    int pw = l.perWord();
    for (int r = 0; r < MmaLayout.A_REGS; r++) {
      String at = "As[st][r + " + l.aRegRow(r) + "][kk + " + pw + " * t + " + l.aCol(0, r * pw)
          + "]";
      String read = "af[mi][" + r + "] = " + (pw == 1 ? "ember_word(" + at + ")"
          : "ember_pair(&" + at + ")") + ";";
      assertTrue(src.contains(read), read);
    }
    for (int r = 0; r < MmaLayout.B_REGS; r++) {
      assertTrue(src.contains("const int k = kk + " + pw + " * t + " + l.bRow(0, r * pw) + ";"));
    }
    assertTrue(src.contains(pw == 1 ? "ember_word(Bs[st][k][c])"
        : "ember_word(Bs[st][k][c], Bs[st][k + 1][c])"));
    assertTrue(src.contains("cp.async.cg.shared.global [%0], [%1], 16, %2;"));
  }

  @Test
  void sixteenBitPairsPutTheEvenKInTheLowHalf() {
    // cvt.rn.f16x2.f32 d, a, b stores a in the upper half: the odd element goes first.
    String src = GemmKernels.source(GemmPrecision.FP16);
    assertTrue(src.contains("cvt.rn.f16x2.f32 %0, %1, %2;\" : \"=r\"(w) : \"f\"(hi), \"f\"(lo)"));
    assertTrue(src.contains("ember_word(ra[2 * i], ra[2 * i + 1])"));
    assertTrue(GemmKernels.source(GemmPrecision.BF16).contains("cvt.rn.bf16x2.f32"));
    assertTrue(GemmKernels.source(GemmPrecision.TF32).contains("cvt.rna.tf32.f32"));
  }

  @Test
  void archNames() {
    assertEquals(90, GemmKernels.capability("sm_90"));
    assertEquals(90, GemmKernels.capability("sm_90a"));
    assertEquals(86, GemmKernels.capability("sm_86"));
    assertThrows(IllegalArgumentException.class, () -> GemmKernels.capability("compute_90"));
    assertEquals("sm_80", GemmKernels.minimumArch(GemmPrecision.TF32));
  }

  @Test
  void hugeBatchesAreRefused() {
    assertNull(GemmKernels.whyNot(BIASED));
    assertNotNull(GemmKernels.whyNot(GemmShape.rowMajor(70000, 2, 2, 2)));
  }

  @Test
  void cublasOperandsFromStrides() {
    // Row-major B [k=33, n=45]: no transpose, ld = 45.
    assertEquals(new CublasGemm.Operand(cublasOperation.CUBLAS_OP_N, 45),
        CublasGemm.operand(33, 45, 45, 1));
    // A stored column-major [m=70, k=33] (aRow 1, aCol 70): transpose, ld = 70.
    assertEquals(new CublasGemm.Operand(cublasOperation.CUBLAS_OP_T, 70),
        CublasGemm.operand(70, 33, 1, 70));
    // A single row: any row stride.
    assertEquals(new CublasGemm.Operand(cublasOperation.CUBLAS_OP_N, 33),
        CublasGemm.operand(1, 33, 0, 1));
    // No unit stride, or a leading dimension that overlaps rows.
    assertNull(CublasGemm.operand(4, 4, 8, 2));
    assertNull(CublasGemm.operand(4, 4, 2, 1));
    // cuBLAS on 16-bit rows: A's copy [m][ld] as it is, the weight's B^T copy [n][ld]
    // transposed, K 100 padded to 104 on both.
    GemmShape rows = HalfRows.kernelShape(GemmShape.onWeight(70, 136, 100));
    assertEquals(104, rows.k());
    assertEquals(new CublasGemm.Operand(cublasOperation.CUBLAS_OP_T, 104),
        CublasGemm.operand(rows.k(), rows.n(), rows.bRow(), rows.bCol()));
    assertEquals(new CublasGemm.Operand(cublasOperation.CUBLAS_OP_N, 104),
        CublasGemm.operand(rows.m(), rows.k(), rows.aRow(), rows.aCol()));
  }

  @Test
  void cublasProbeNeverThrows() {
    String why = CublasGemm.unavailableReason();
    System.out.println("cuBLAS: " + (why == null ? "available" : why));
    assertFalse(why != null && why.isBlank());
  }

  /** The parameter types of {@code extern "C" __global__ void name(...)} in {@code src}. */
  static List<String> signature(String src, String name) {
    Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\) )?"
        + name + "\\(([^)]*)\\)").matcher(src);
    assertTrue(m.find(), "no kernel " + name);
    List<String> types = new ArrayList<>();
    for (String param : m.group(1).split(",")) {
      String p = param.strip();
      types.add(p.substring(0, p.lastIndexOf(' ')).strip());
    }
    return types;
  }

  private static Class<?> javaType(String cudaType) {
    if (cudaType.contains("*") || cudaType.equals("long long")) {
      return Long.class;
    }
    return switch (cudaType) {
      case "int" -> Integer.class;
      case "float" -> Float.class;
      default -> throw new AssertionError("unexpected parameter type " + cudaType);
    };
  }
}
