package dev.ember.executor.backend.cuda;

import static dev.ember.executor.backend.cuda.MmaAsyncGemmSource.macroLine;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.LBO;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.SLICE_K;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.THREADS;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.TILE_M;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.TILE_N;
import static dev.ember.executor.backend.cuda.WgmmaGemmSource.line;

import java.util.List;

/**
 * CUDA C of the experimental Hopper GEMM on 16-bit operands in memory: {@link WgmmaGemmSource}'s
 * warpgroups, descriptors, products and store, with A ([M, K]) and B (given as B^T, [N, K]) read
 * as fp16 or bf16 and copied by {@code cp.async} straight into the core-matrix layout, 16 bytes
 * (eight K values of one row) per copy, three (128x128 tiles, five stages), four (64x128, six
 * stages) or two (128x256, four stages) K slices ahead of the tensor cores, which keep one
 * slice's products running while the next slice's are issued. The stages live in dynamic shared
 * memory ({@link #sharedBudget}). Staging float32 operands through registers, as the float32
 * kernel must, leaves the tensor cores idle while each slice is converted; with 16-bit data
 * nothing is converted. Stages 64 K deep (the device check's sweep) are laid out in rows of 128
 * bytes under wgmma's 128-byte swizzle instead ({@link WgmmaGemmSource#swizzled}).
 *
 * <p>Every row read must hold whole 16-byte chunks: A contiguous along K, B^T contiguous along K,
 * K, the row strides and both pointers multiples of 8 halves ({@link WgmmaGemm#onHalfData}).
 * A chunk past M, N or K is zero-filled.
 */
final class WgmmaHalfDataSource {
  /**
   * Shared memory a block's stages may take, dynamic (the launch opts in past 48 KB): 80 KB for
   * 128-wide tiles (two blocks of 128x128 still fit a multiprocessor's 227 KB), 96 KB for 256-wide
   * ones (four stages of 24 KB; their 128 accumulators a thread allow one block anyway).
   */
  static int sharedBudget(int tileN) {
    return (tileN > TILE_N ? 96 : 80) * 1024;
  }

  /** The most dynamic shared memory a block may opt in to on sm_90: 227 KB. */
  static final int MAX_SHARED = 227 * 1024;

  /** The stage counts the device check's sweep measures ({@link WgmmaGemm#stageSweep}). */
  static final List<Integer> SWEEP = List.of(3, 4, 5, 6, 7, 8);

  /**
   * The K depths of a stage the sweep measures: 32 (two wgmma per barrier, the kernel's own) and
   * 64 (four, half the barriers and waits per K, twice the shared memory a stage).
   */
  static final List<Integer> SLICES = List.of(SLICE_K, 2 * SLICE_K);

  private WgmmaHalfDataSource() {}

  /** Stages of the pipeline for a tile: as many as the budget holds, at most six. */
  static int stages(int warpgroups, int tileN) {
    return Math.min(6, sharedBudget(tileN) / stageBytes(warpgroups, tileN, SLICE_K));
  }

  /**
   * The dynamic shared memory a block of the tile is launched with, in {@code stages} stages
   * {@code sliceK} deep.
   */
  static int sharedBytes(int warpgroups, int tileN, int stages, int sliceK) {
    int alignment = WgmmaGemmSource.swizzled(sliceK) ? WgmmaGemmSource.SWIZZLE_PERIOD : 0;
    return stages * stageBytes(warpgroups, tileN, sliceK) + alignment;
  }

  /** Whether {@code stages} stages {@code sliceK} deep of the tile fit a block on sm_90. */
  static boolean fits(int warpgroups, int tileN, int stages, int sliceK) {
    return stages >= 2 && sharedBytes(warpgroups, tileN, stages, sliceK) <= MAX_SHARED;
  }

  private static int stageBytes(int warpgroups, int tileN, int sliceK) {
    return (TILE_M * warpgroups + tileN) * sliceK * 2;
  }

  /**
   * wgmma groups left running while the next slice is issued: one where four stages allow it.
   * The stages in use at once are the slices in flight on the tensor cores, the one being
   * multiplied and those being copied, so one more product in flight is one slice fewer copied
   * ahead.
   */
  static int inFlight(int stages) {
    return stages >= 4 ? 1 : 0;
  }

  /** The kernel of {@code warpgroups} x 64 by {@code tileN} (128 or 256) tiles. */
  static String source(GemmPrecision p, String name, int warpgroups, int tileN) {
    return source(p, name, warpgroups, tileN, stages(warpgroups, tileN));
  }

  /** The same in {@code stages} stages, which must {@link #fits fit}. */
  static String source(GemmPrecision p, String name, int warpgroups, int tileN, int stages) {
    return source(p, name, warpgroups, tileN, stages, SLICE_K);
  }

  /** The same with stages {@code sliceK} (32 or 64) deep. */
  static String source(GemmPrecision p, String name, int warpgroups, int tileN, int stages,
      int sliceK) {
    if (tileN != TILE_N && tileN != 2 * TILE_N) {
      throw new IllegalArgumentException("tiles 128 or 256 wide, not " + tileN);
    }
    if (!SLICES.contains(sliceK)) {
      throw new IllegalArgumentException("stages " + SLICES + " deep, not " + sliceK);
    }
    if (!fits(warpgroups, tileN, stages, sliceK)) {
      throw new IllegalArgumentException(stages + " stages of " + TILE_M * warpgroups + "x"
          + tileN + " by " + sliceK + " take " + sharedBytes(warpgroups, tileN, stages, sliceK)
          + " bytes of shared memory, more than a block's " + MAX_SHARED);
    }
    int tileM = TILE_M * warpgroups;
    int threads = THREADS * warpgroups;
    int chunksPerRow = sliceK / 8;
    int aCopies = tileM * chunksPerRow / threads;
    int bCopies = tileN * chunksPerRow / threads;
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" wgmma GEMM on 16-bit data (experimental): ")
        .append(tileM).append('x').append(tileN).append(" tiles, ").append(stages)
        .append("-stage cp.async pipeline, K ").append(sliceK).append(" a stage")
        .append(WgmmaGemmSource.swizzled(sliceK) ? " (128-byte swizzle)" : "")
        .append("; needs sm_90a\n");
    s.append(WgmmaGemmSource.wgmmaHelpers(p, tileN, sliceK));
    s.append(MmaAsyncGemmSource.CP16);
    s.append("extern \"C\" __global__ void __launch_bounds__(").append(threads).append(") ")
        .append(name).append('(').append(GemmKernels.PARAMS.replace("const float* __restrict__ A,"
            + " const float* __restrict__ B", "const unsigned short* __restrict__ A,"
            + " const unsigned short* __restrict__ B")).append(") {\n");
    s.append(WgmmaGemmSource.blockSetup(stages, tileM * sliceK / 2, tileN * sliceK / 2,
        tileM, tileN, true, WgmmaGemmSource.swizzled(sliceK)));
    s.append(line("const int kTiles = (K + %d) / %d;", sliceK - 1, sliceK));
    s.append("#define EMBER_LOAD(st, k0) \\\n");
    s.append(copies("As", "A", "aOff", "m0", "M", "aRow", aCopies, threads, sliceK));
    s.append(copies("Bs", "B", "bOff", "n0", "N", "bCol", bCopies, threads, sliceK).replaceAll(
        " \\\\\n$", "\n"));
    int inFlight = inFlight(stages);
    int ahead = stages - 1 - inFlight;
    s.append(pipelineStart(stages, ahead, sliceK));
    s.append(WgmmaGemmSource.sliceProducts(sliceK));
    s.append(line("  asm volatile(\"wgmma.wait_group.sync.aligned %d;\" ::: \"memory\");",
        inFlight));
    s.append(line("}"));
    s.append(line("asm volatile(\"wgmma.wait_group.sync.aligned 0;\" ::: \"memory\");"));
    s.append("#undef EMBER_LOAD\n");
    s.append(WgmmaGemmSource.storeAccumulators(tileN));
    s.append("}\n");
    return s.toString();
  }

  /**
   * The cp.async pipeline of a wgmma kernel up to its products, over an {@code EMBER_LOAD(st,
   * k0)} macro: the first {@code ahead} slices copied, then the K loop opened, and for slice kt
   * its copies waited for and fenced, the copies {@code ahead} slices on issued, and {@code st}
   * its stage, slices {@code sliceK} deep. The caller adds the products and closes the loop.
   */
  static String pipelineStart(int stages, int ahead, int sliceK) {
    return line("for (int s = 0; s < %d; s++) {", ahead)
        + line("  if (s < kTiles) { EMBER_LOAD(s, s * %d) }", sliceK)
        + line("  asm volatile(\"cp.async.commit_group;\");")
        + line("}")
        + line("for (int kt = 0; kt < kTiles; kt++) {")
        + line("  asm volatile(\"cp.async.wait_group %d;\");  // slice kt has landed", ahead - 1)
        // cp.async writes through the generic proxy and wgmma reads through the async one: each
        // thread fences its own landed copies before the barrier, so no product is issued before
        // every copy of the slice is visible to it.
        + line("  asm volatile(\"fence.proxy.async.shared::cta;\" ::: \"memory\");")
        + line("  __syncthreads();  // for every thread, and no product still reads the stage"
            + " loaded next")
        + line("  {")
        + line("    const int nk = kt + %d;", ahead)
        + line("    if (nk < kTiles) { EMBER_LOAD(nk %% %d, nk * %d) }", stages, sliceK)
        + line("    asm volatile(\"cp.async.commit_group;\");  // empty groups keep the count")
        + line("  }")
        + line("  const int st = kt %% %d;", stages);
  }

  /**
   * The macro lines that copy one operand's chunks of the slice at {@code k0}, {@code sliceK}
   * deep, into stage st. Chunk u of a stage (16 bytes, 8 K values of a row) lands on row r % 8
   * of core matrix (r / 8, c): each warp copies 8 rows by 4 chunks, 4 whole core matrices back to
   * back in shared memory (512 bytes, every bank 4 times: no conflict) and 64 bytes of each row
   * from global memory; the warps after it take the row's next 4 chunks, where a slice has them,
   * then the next 8 rows. In {@link WgmmaGemmSource#swizzled} stages chunk c of row r lands at
   * chunk {@code c ^ (r % 8)} of the row's 128 bytes instead: a warp's 8 rows then cover each
   * bank 4 times too.
   */
  static String copies(String smem, String ptr, String off, String origin, String bound,
      String rowStride, int count, int threads, int sliceK) {
    int quarters = sliceK / 32; // groups of 4 chunks in a row
    return macroLine("for (int i = 0; i < %d; i++) {", count)
        + macroLine("  const int u = tid + i * %d;", threads)
        + macroLine("  const int r = ((u >> 5) / %1$d) * 8 + ((u >> 2) & 7),"
            + " c = ((u >> 5) %% %1$d) * 4 + (u & 3);", quarters)
        + macroLine("  const int gr = %s + r, gk = (k0) + 8 * c;", origin)
        + macroLine("  const bool ok = gr < %s && gk < K;", bound)
        + macroLine("  ember_cp16(&%s[st][%s],", smem, WgmmaGemmSource.swizzled(sliceK)
            ? "(r * %d + ((c ^ (r & 7)) << 4)) / 4".formatted(WgmmaGemmSource.SWIZZLE_SPAN)
            : "((r >> 3) * %d + c * %d) / 4 + (r & 7) * 4".formatted(WgmmaGemmSource.sbo(sliceK),
                LBO))
        + macroLine("      ok ? %s + %s + (long long)gr * %s + gk : %s, ok);", ptr, off, rowStride,
            ptr)
        + macroLine("}");
  }
}
