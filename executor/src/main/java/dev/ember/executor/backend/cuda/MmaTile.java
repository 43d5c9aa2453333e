package dev.ember.executor.backend.cuda;

/**
 * The output tiles the tensor-core GEMM is generated for: square tiles of C per thread block,
 * split among warps that each own {@code warpM x warpN} of it as 16x8 {@code mma} tiles.
 *
 * <p>One tile size does not fit every shape: 128x128 tiles reuse operands best, but MiniLM's
 * 2,048 x 384 projections make only 48 of them, a third of an H100/H200's 132 multiprocessors,
 * and a 32x32 attention product would fill 1/16 of one. {@link #forShape} picks per shape.
 */
public enum MmaTile {
  T128_K32(128, 2, 4, 32, 0),
  T64_K64(64, 2, 2, 64, 0),
  T64_K32(64, 2, 2, 32, 0),
  T32_K64(32, 2, 2, 64, 0),
  T32_K32(32, 2, 2, 32, 0),
  /** 16-deep slices, four in shared memory at once, copied with cp.async (MmaAsyncGemmSource). */
  T64_ASYNC(64, 2, 2, 16, 4),
  T32_ASYNC(32, 2, 2, 16, 4),
  /**
   * The 128x128 tile pipelined: four stages take 74-81 KB of shared memory, past the 48 KB a
   * block gets without opting in, so it is dynamic. Not in {@link #forShape}'s rule: only the
   * tuner, which measures it, takes it.
   */
  T128_ASYNC(128, 2, 4, 16, 4);

  /**
   * Blocks a launch should make before a tile is worth its better reuse: about one per
   * multiprocessor of the data-center GPUs the backend targets (A100 108, H100/H200 132).
   */
  static final int ENOUGH_BLOCKS = 128;

  private final int size;
  private final int warpsM;
  private final int warpsN;
  private final int k;
  private final int stages;

  MmaTile(int size, int warpsM, int warpsN, int k, int stages) {
    this.size = size;
    this.warpsM = warpsM;
    this.warpsN = warpsN;
    this.k = k;
    this.stages = stages;
  }

  /** Slices in flight in the cp.async pipeline; 0 for tiles loaded through registers. */
  int stages() {
    return stages;
  }

  /** The register-loaded tile of the same size, for operands cp.async cannot copy. */
  MmaTile synchronous() {
    return switch (this) {
      case T128_ASYNC -> T128_K32;
      case T64_ASYNC -> T64_K32;
      case T32_ASYNC -> T32_K32;
      default -> this;
    };
  }

  /** The pipelined tile of the same size: the one a B read in 16 bits takes instead of this. */
  MmaTile pipelined() {
    return switch (size) {
      case 128 -> T128_ASYNC;
      case 64 -> T64_ASYNC;
      default -> T32_ASYNC;
    };
  }

  /**
   * K per shared-memory slice: 64 where the tile is small enough (registers and 48 KB of shared
   * memory), since each slice pays one global-memory latency and the blocks of small shapes have
   * few warps to hide it behind.
   */
  int k() {
    return k;
  }

  /** Rows and columns of C per block. */
  public int size() {
    return size;
  }

  int warpsN() {
    return warpsN;
  }

  int threads() {
    return 32 * warpsM * warpsN;
  }

  int warpM() {
    return size / warpsM;
  }

  int warpN() {
    return size / warpsN;
  }

  /** 16x8 mma tiles per warp along M and N. */
  int fragsM() {
    return warpM() / MmaLayout.M;
  }

  int fragsN() {
    return warpN() / MmaLayout.N;
  }

  /** Blocks a launch over {@code s} makes with this tile. */
  long blocks(GemmShape s) {
    return (long) s.batch() * GemmKernels.ceilDiv(s.m(), size) * GemmKernels.ceilDiv(s.n(), size);
  }

  /**
   * The tile for {@code s}, from what the device check measured on an H200 (MiniLM's GEMMs and
   * 4096^3): 128x128 only for large outputs that make several blocks per multiprocessor (4096^3:
   * 1.4x the 64x64 rate; MiniLM's 192-block FFN: 0.88x), else 64x64 while it still makes {@link
   * #ENOUGH_BLOCKS}, else 32x32. Pipelined (cp.async) wherever the operands allow: inside the
   * model's CUDA graph it ran MiniLM's tf32 GEMMs in 0.53-0.61x the time of the register-loaded
   * tiles and its fp16 FFN up-projection in 0.8x (the other fp16 GEMMs within 4%). Otherwise the
   * deeper K slice only for long K.
   */
  public static MmaTile forShape(GemmPrecision p, GemmShape s) {
    boolean deep = s.k() >= 1024; // 64-deep slices won at K 1536 and tied or lost at 384
    boolean async = GemmKernels.asyncWhyNot(s) == null;
    if (s.m() >= 128 && s.n() >= 128 && T128_K32.blocks(s) >= 4L * ENOUGH_BLOCKS) {
      // At 4096^3 the pipelined 64x64 tile ran tf32 at 1.31x the 128x128 one, fp16 at 0.89x.
      return async && p == GemmPrecision.TF32 ? T64_ASYNC : T128_K32;
    }
    if (T64_K32.blocks(s) >= ENOUGH_BLOCKS) {
      return async ? T64_ASYNC : deep ? T64_K64 : T64_K32;
    }
    return async ? T32_ASYNC : deep ? T32_K64 : T32_K32;
  }

  /** "t64k32" (or "t64k16s4" when pipelined): the suffix of kernel names. */
  String suffix() {
    return "t" + size + "k" + k + (stages > 0 ? "s" + stages : "");
  }
}
