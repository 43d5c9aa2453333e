package dev.ember.executor.backend.cuda;

/**
 * Which matrix elements each lane of a warp holds for one {@code mma.sync} tensor-core
 * instruction, transcribed from the PTX ISA section "Matrix Fragments for mma.m16n8k8" (tf32) and
 * "... for mma.m16n8k16 with floating point type" (f16, bf16). With {@code g = lane >> 2} (the
 * PTX groupID) and {@code t = lane % 4} (threadID_in_group), element {@code i} of a lane's
 * fragment sits at the row and column these methods return.
 *
 * <p>{@link MmaGemmSource} emits its fragment loads and stores from the register-level offsets
 * below, and a unit test replays one warp's product on the CPU from these mappings, so a wrong
 * index fails a test on machines without a GPU.
 *
 * <p>Shared memory holds 32-bit words along K: one tf32 value, or a pair of 16-bit values with the
 * even K index in the low half (the order PTX packs {@code .f16x2} and {@code .bf16x2}). In those
 * words both shapes load fragments identically, so one kernel body serves all three precisions.
 */
enum MmaLayout {
  /** {@code mma.m16n8k8 .tf32}: A 16x8 in 4 registers, B 8x8 in 2, one element per register. */
  M16N8K8_TF32(8, 1),
  /** {@code mma.m16n8k16 .f16/.bf16}: A 16x16 in 4 registers, B 16x8 in 2, two per register. */
  M16N8K16_16BIT(16, 2);

  static final int M = 16;
  static final int N = 8;
  static final int A_REGS = 4;
  static final int B_REGS = 2;
  static final int C_ELEMS = 4;

  private final int k;
  private final int perWord;

  MmaLayout(int k, int perWord) {
    this.k = k;
    this.perWord = perWord;
  }

  /**
   * The instruction of {@code p}'s tensor-core kernels: fp32 reaches the tensor cores only as
   * three tf32 products of each input split in two ({@link MmaAsyncGemmSource}).
   */
  static MmaLayout of(GemmPrecision p) {
    return switch (p) {
      case TF32, FP32 -> M16N8K8_TF32;
      case FP16, BF16 -> M16N8K16_16BIT;
    };
  }

  /** K of one instruction. */
  int k() {
    return k;
  }

  /** Matrix elements per 32-bit register (and per shared-memory word). */
  int perWord() {
    return perWord;
  }

  int aElems() {
    return A_REGS * perWord;
  }

  int bElems() {
    return B_REGS * perWord;
  }

  /** Row (M) of A fragment element {@code i}. */
  int aRow(int lane, int i) {
    int g = lane >> 2;
    return switch (this) {
      case M16N8K8_TF32 -> g + 8 * (i & 1); // a0,a2: groupID; a1,a3: groupID+8
      case M16N8K16_16BIT -> g + 8 * ((i >> 1) & 1); // a0,a1,a4,a5: groupID; others +8
    };
  }

  /** Column (K) of A fragment element {@code i}. */
  int aCol(int lane, int i) {
    int t = lane & 3;
    return switch (this) {
      case M16N8K8_TF32 -> t + 4 * (i >> 1); // a0,a1: threadID_in_group; a2,a3: +4
      case M16N8K16_16BIT -> 2 * t + (i & 1) + 8 * (i >> 2); // t*2+(i&1), +8 for i >= 4
    };
  }

  /** Row (K) of B fragment element {@code i}. */
  int bRow(int lane, int i) {
    int t = lane & 3;
    return switch (this) {
      case M16N8K8_TF32 -> t + 4 * i; // b0: threadID_in_group; b1: +4
      case M16N8K16_16BIT -> 2 * t + (i & 1) + 8 * (i >> 1); // t*2+(i&1), +8 for i >= 2
    };
  }

  /** Column (N) of B fragment element {@code i}: groupID for every element. */
  int bCol(int lane, int i) {
    return lane >> 2;
  }

  /** Row (M) of accumulator element {@code i}: c0,c1 at groupID, c2,c3 at groupID+8. */
  int cRow(int lane, int i) {
    return (lane >> 2) + 8 * (i >> 1);
  }

  /** Column (N) of accumulator element {@code i}: threadID_in_group*2 + (i & 1). */
  int cCol(int lane, int i) {
    return 2 * (lane & 3) + (i & 1);
  }

  // The generator's view, in 32-bit words of a K-word-major tile. MmaGemmSource emits exactly
  // these expressions ("g + aRegRow(r)", "t + aRegWord(r)", ...), with the offsets that lane 0
  // (g = t = 0) gives; the fragment test checks them against the PTX layout for every lane.

  int aRegRow(int r) {
    return aRow(0, r * perWord);
  }

  int aRegWord(int r) {
    return aCol(0, r * perWord) / perWord;
  }

  /** Register r of B is the word at column g, word row (t + bRegWord(r)). */
  int bRegWord(int r) {
    return bRow(0, r * perWord) / perWord;
  }

  /** Tile row of A register {@code r} in lane (g, t): {@code g + aRegRow(r)}. */
  int aWordRow(int g, int r) {
    return g + aRegRow(r);
  }

  /** Word column (K / perWord) of A register {@code r}: {@code t + aRegWord(r)}. */
  int aWordCol(int t, int r) {
    return t + aRegWord(r);
  }

  /** Word row (K / perWord) of B register {@code r}: {@code t + bRegWord(r)}; its column is g. */
  int bWordRow(int t, int r) {
    return t + bRegWord(r);
  }

  /** Row of accumulator element {@code i}: {@code g + cRow(0, i)}. */
  int cRowOf(int g, int i) {
    return g + cRow(0, i);
  }

  /** Column of accumulator element {@code i}: {@code 2 * t + cCol(0, i)}. */
  int cColOf(int t, int i) {
    return 2 * t + cCol(0, i);
  }
}
