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
  T128(128, 2, 4),
  T64(64, 2, 2),
  T32(32, 2, 2);

  /**
   * Blocks a launch should make before a larger tile is worth its better reuse: about one per
   * multiprocessor of the data-center GPUs the backend targets (A100 108, H100/H200 132).
   */
  static final int ENOUGH_BLOCKS = 128;

  private final int size;
  private final int warpsM;
  private final int warpsN;

  MmaTile(int size, int warpsM, int warpsN) {
    this.size = size;
    this.warpsM = warpsM;
    this.warpsN = warpsN;
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
   * The tile for {@code s}: no tile larger than both M and N need (it would compute padding),
   * then the largest that still makes {@link #ENOUGH_BLOCKS} blocks, else the smallest left.
   */
  public static MmaTile forShape(GemmShape s) {
    int need = Math.max(s.m(), s.n());
    MmaTile pick = null;
    for (MmaTile t : values()) { // largest first
      if (t != T32 && t.size / 2 >= need) {
        continue; // a tile twice what M and N need computes mostly padding
      }
      pick = t;
      if (t.blocks(s) >= ENOUGH_BLOCKS) {
        return t;
      }
    }
    return pick;
  }
}
