package dev.ember.executor.backend.cuda;

/**
 * The output tiles of the register-blocked float32 SIMT GEMM ({@link SimtTiledGemmSource}): every
 * thread computes 8x8 outputs, so a block of {@code (rows / 8) x (cols / 8)} threads covers one
 * tile. Larger tiles reuse each loaded operand more; smaller ones make more blocks for the
 * multiprocessors of thin shapes (MiniLM's 2,048 x 384 projections make 48 128x128 tiles, 192
 * 64x64 ones). The tuner measures each ({@link GeneratedGemm#routes}).
 */
enum SimtTile {
  S128X128(128, 128, 2),
  S128X64(128, 64, 3),
  S64X64(64, 64, 6);

  /** Outputs each thread computes along M and along N. */
  static final int PER_THREAD = 8;
  /** K per shared-memory slice. */
  static final int K = 8;

  private final int rows;
  private final int cols;
  private final int blocksPerSm;

  SimtTile(int rows, int cols, int blocksPerSm) {
    this.rows = rows;
    this.cols = cols;
    this.blocksPerSm = blocksPerSm;
  }

  /** Rows of C per block. */
  int rows() {
    return rows;
  }

  /** Columns of C per block. */
  int cols() {
    return cols;
  }

  int threads() {
    return (rows / PER_THREAD) * (cols / PER_THREAD);
  }

  /**
   * The blocks per multiprocessor {@code __launch_bounds__} asks for, which caps each thread's
   * registers: 128 for the 128x128 tile (64 accumulators, 16 operands from shared memory, the
   * next slice's 8 values in flight), 170 for the smaller ones, whose threads each hold 12 or 16
   * values of the next slice (at 128 ptxas spilled them).
   */
  int blocksPerSm() {
    return blocksPerSm;
  }

  /** "s128x64": the suffix of kernel and route names. */
  String suffix() {
    return "s" + rows + "x" + cols;
  }
}
