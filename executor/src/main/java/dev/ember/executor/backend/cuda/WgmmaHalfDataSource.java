package dev.ember.executor.backend.cuda;

import static dev.ember.executor.backend.cuda.MmaAsyncGemmSource.lastLine;
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
 * bytes under wgmma's 128-byte swizzle instead ({@link WgmmaGemmSource#swizzled}), and {@link
 * #specialisedSource} feeds them from a producer warpgroup of their own.
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
    if (!SLICES.contains(sliceK)) {
      throw new IllegalArgumentException("stages " + SLICES + " deep, not " + sliceK);
    }
    requireTile(warpgroups, tileN, stages, sliceK);
    int tileM = TILE_M * warpgroups;
    int threads = THREADS * warpgroups;
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" wgmma GEMM on 16-bit data (experimental): ")
        .append(tileM).append('x').append(tileN).append(" tiles, ").append(stages)
        .append("-stage cp.async pipeline, K ").append(sliceK).append(" a stage")
        .append(WgmmaGemmSource.swizzled(sliceK) ? " (128-byte swizzle)" : "")
        .append("; needs sm_90a\n");
    s.append(WgmmaGemmSource.wgmmaHelpers(p, tileN, sliceK));
    s.append(MmaAsyncGemmSource.CP16);
    s.append(signature(name, threads));
    s.append(WgmmaGemmSource.blockSetup(stages, tileM * sliceK / 2, tileN * sliceK / 2,
        tileM, tileN, true, WgmmaGemmSource.swizzled(sliceK)));
    s.append(line("const int kTiles = (K + %d) / %d;", sliceK - 1, sliceK));
    s.append(loadMacro(tileM, tileN, threads, sliceK));
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

  /** The mbarrier operations of a warp-specialised pipeline, on barriers in shared memory. */
  static final String MBARRIERS = """
      __device__ __forceinline__ unsigned ember_bar(const unsigned long long* b) {
        return (unsigned) __cvta_generic_to_shared(b);
      }
      __device__ __forceinline__ void ember_bar_init(unsigned long long* b, unsigned count) {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(ember_bar(b)), "r"(count)
            : "memory");
      }
      // Spins until the phase of parity `parity` of the barrier has completed.
      __device__ __forceinline__ void ember_bar_wait(unsigned long long* b, unsigned parity) {
        unsigned done;
        do {
          asm volatile("{\\n.reg .pred p;\\n"
              "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\\n"
              "selp.u32 %0, 1, 0, p;\\n}\\n"
              : "=r"(done) : "r"(ember_bar(b)), "r"(parity) : "memory");
        } while (!done);
      }
      __device__ __forceinline__ void ember_bar_arrive(unsigned long long* b) {
        asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(ember_bar(b)) : "memory");
      }
      // One arrival (counted in the barrier's init) once this thread's earlier cp.async landed.
      __device__ __forceinline__ void ember_bar_arrive_on_copies(unsigned long long* b) {
        asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];" :: "r"(ember_bar(b))
            : "memory");
      }
      """;

  /**
   * The stage counts the sweep measures the warp-specialised kernel in, for each tile, where they
   * fit: its producer runs ahead by up to all of them.
   */
  static final List<Integer> SPECIALISED_SWEEP = List.of(4, 6);

  /**
   * Registers a producer thread keeps, and a consumer thread takes, where two 256-wide consumers
   * share a block with it: 128 x 56 + 256 x 224 = 64,512 of the multiprocessor's 65,536
   * (multiples of 8). ptxas spills the producer's 24 copies a slice at 40, and fits the consumers
   * (216 registers without a producer) in 224.
   */
  static final int PRODUCER_REGISTERS = 56;

  static final int CONSUMER_REGISTERS = 224;

  /** Stage depth of the warp-specialised kernel: 64 K, the 128-byte swizzle's rows. */
  static final int SPECIALISED_SLICE_K = 2 * SLICE_K;

  /**
   * The warp-specialised kernel: {@code warpgroups} (1 or 2) consumer warpgroups multiply, as in
   * {@link #source}, while one more, the producer, only copies. The producer fills stage kt %
   * stages with slice kt once the consumers have released the slice that stage held, and each of
   * its threads has the stage's "full" barrier arrive when its copies have landed; each consumer
   * waits for that phase, issues the slice's products, and once the products of the slice before
   * have retired releases that slice's stage on its "empty" barrier (one arrival a warp, not a
   * thread: 8 a slice, not 256, on the 128-row tiles). No block-wide barrier in the
   * loop: copies are issued by threads that never wait for the tensor cores, and a consumer
   * warpgroup waits only for the data it reads. Stages 64 deep, 128-byte swizzled; tiles 128 or
   * 256 wide. Two 256-wide consumers need more registers (128 accumulators each) than an even
   * share of the 384 threads' 64K: the producer gives its surplus up ({@link #PRODUCER_REGISTERS},
   * {@code setmaxnreg}) and they take it ({@link #CONSUMER_REGISTERS}).
   */
  static String specialisedSource(GemmPrecision p, String name, int warpgroups, int tileN,
      int stages) {
    int sliceK = SPECIALISED_SLICE_K;
    if (warpgroups != 1 && warpgroups != 2) {
      throw new IllegalArgumentException("1 or 2 consumer warpgroups, not " + warpgroups);
    }
    requireTile(warpgroups, tileN, stages, sliceK);
    boolean rebalance = warpgroups == 2 && tileN == 2 * TILE_N;
    int tileM = TILE_M * warpgroups;
    int consumers = THREADS * warpgroups;
    StringBuilder s = new StringBuilder();
    s.append("// Ember ").append(p.confName()).append(" warp-specialised wgmma GEMM on 16-bit data"
        + " (experimental): ").append(tileM).append('x').append(tileN).append(" tiles, ")
        .append(warpgroups).append(" consumer warpgroup(s) and a producer, ").append(stages)
        .append(" stages of K ").append(sliceK).append(" (128-byte swizzle) on mbarriers; needs"
            + " sm_90a\n");
    s.append(WgmmaGemmSource.wgmmaHelpers(p, tileN, sliceK));
    s.append(MmaAsyncGemmSource.CP16);
    s.append(MBARRIERS);
    s.append(signature(name, consumers + THREADS));
    s.append(WgmmaGemmSource.stageArrays(stages, tileM * sliceK / 2, tileN * sliceK / 2, true,
        true));
    s.append(WgmmaGemmSource.coordinates(tileM, tileN));
    s.append(line("__shared__ __align__(8) unsigned long long ember_full[%d], ember_empty[%d];",
        stages, stages));
    s.append(line("if (tid == 0) {"));
    s.append(line("  for (int i = 0; i < %d; i++) {", stages));
    s.append(line("    ember_bar_init(&ember_full[i], %d);  // each producer thread", THREADS));
    s.append(line("    ember_bar_init(&ember_empty[i], %d);  // each consumer warp",
        consumers / 32));
    s.append(line("  }"));
    s.append(line("  asm volatile(\"fence.mbarrier_init.release.cluster;\" ::: \"memory\");"));
    s.append(line("}"));
    s.append(line("__syncthreads();"));
    s.append(line("const int kTiles = (K + %d) / %d;", sliceK - 1, sliceK));
    s.append(line("if (wg == %d) {  // the producer", warpgroups));
    if (rebalance) {
      s.append(line("  asm volatile(\"setmaxnreg.dec.sync.aligned.u32 %d;\");",
          PRODUCER_REGISTERS));
    }
    s.append(line("  const int tid = threadIdx.x - %d;", consumers));
    s.append(loadMacro(tileM, tileN, THREADS, sliceK));
    s.append(line("  for (int kt = 0; kt < kTiles; kt++) {"));
    s.append(line("    const int st = kt %% %d;", stages));
    s.append(line("    if (kt >= %d) { ember_bar_wait(&ember_empty[st], (kt / %d - 1) & 1); }",
        stages, stages));
    s.append(line("    EMBER_LOAD(st, kt * %d)", sliceK));
    s.append(line("    ember_bar_arrive_on_copies(&ember_full[st]);"));
    s.append(line("  }"));
    s.append(line("  asm volatile(\"cp.async.wait_all;\" ::: \"memory\");"));
    s.append(line("  return;"));
    s.append(line("}"));
    s.append("#undef EMBER_LOAD\n");
    if (rebalance) {
      s.append(line("asm volatile(\"setmaxnreg.inc.sync.aligned.u32 %d;\");",
          CONSUMER_REGISTERS));
    }
    // Only now: accumulators live before the producer gives up its registers would be held
    // under the launch's even share.
    s.append(WgmmaGemmSource.accumulators(tileN));
    s.append(line("for (int kt = 0; kt < kTiles; kt++) {"));
    s.append(line("  const int st = kt %% %d;", stages));
    s.append(line("  ember_bar_wait(&ember_full[st], (kt / %d) & 1);", stages));
    // The producer's copies wrote through the generic proxy; this thread's products read through
    // the async one.
    s.append(line("  asm volatile(\"fence.proxy.async.shared::cta;\" ::: \"memory\");"));
    s.append(WgmmaGemmSource.sliceProducts(sliceK));
    s.append(line("  asm volatile(\"wgmma.wait_group.sync.aligned 1;\" ::: \"memory\");"));
    // wait_group is warp-synchronous (.sync): when it returns in lane 0, every lane's products
    // of slice kt - 1 have retired, so one arrival a warp releases the warp's share.
    s.append(line("  if (kt > 0 && (tid & 31) == 0) {"));
    s.append(line("    ember_bar_arrive(&ember_empty[(kt - 1) %% %d]);", stages));
    s.append(line("  }"));
    s.append(line("}"));
    s.append(line("asm volatile(\"wgmma.wait_group.sync.aligned 0;\" ::: \"memory\");"));
    s.append(WgmmaGemmSource.storeAccumulators(tileN));
    s.append("}\n");
    return s.toString();
  }

  /** Refuses a tile neither 128 nor 256 wide, or whose stages do not {@link #fits fit}. */
  private static void requireTile(int warpgroups, int tileN, int stages, int sliceK) {
    if (tileN != TILE_N && tileN != 2 * TILE_N) {
      throw new IllegalArgumentException("tiles 128 or 256 wide, not " + tileN);
    }
    if (!fits(warpgroups, tileN, stages, sliceK)) {
      throw new IllegalArgumentException(stages + " stages of " + TILE_M * warpgroups + "x"
          + tileN + " by " + sliceK + " take " + sharedBytes(warpgroups, tileN, stages, sliceK)
          + " bytes of shared memory, more than a block's " + MAX_SHARED);
    }
  }

  /**
   * {@code EMBER_LOAD(st, k0)}: {@code threads} threads (numbered by {@code tid}) copy slice k0
   * of A's {@code tileM} rows and B^T's {@code tileN} rows into stage st ({@link #copies}).
   */
  private static String loadMacro(int tileM, int tileN, int threads, int sliceK) {
    int chunksPerRow = sliceK / 8;
    return "#define EMBER_LOAD(st, k0) \\\n"
        + copies("As", "A", "aOff", "m0", "M", "aRow", tileM * chunksPerRow / threads, threads,
            sliceK)
        + lastLine(copies("Bs", "B", "bOff", "n0", "N", "bCol", tileN * chunksPerRow / threads,
            threads, sliceK));
  }

  /** The kernel's opening line: GEMM parameters with A and B as 16-bit data. */
  private static String signature(String name, int threads) {
    return "extern \"C\" __global__ void __launch_bounds__(" + threads + ") " + name + "("
        + GemmKernels.PARAMS.replace("const float* __restrict__ A, const float* __restrict__ B",
            "const unsigned short* __restrict__ A, const unsigned short* __restrict__ B")
        + ") {\n";
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
