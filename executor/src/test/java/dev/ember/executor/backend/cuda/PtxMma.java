package dev.ember.executor.backend.cuda;

/**
 * A CPU model of one warp's {@code mma.sync.aligned.m16n8k8 .tf32} or {@code m16n8k16
 * .f16/.bf16} with float32 accumulators, written from the PTX ISA fragment tables ("Matrix
 * Fragments for mma.m16n8k8" and "... mma.m16n8k16 with floating point type") independently of
 * {@link MmaLayout}, so that the two can disagree. 16-bit values are modelled as bfloat16 (the
 * upper half of a float32), which holds the small integers the tests use exactly; the first
 * element of a register is its low half ("Elements (low to high)").
 */
final class PtxMma {
  private PtxMma() {}

  /** D = A B + C for registers {@code a[lane][reg]}, {@code b[lane][reg]}, {@code c[lane][i]}. */
  static float[][] run(MmaLayout shape, int[][] a, int[][] b, float[][] c) {
    boolean tf32 = shape == MmaLayout.M16N8K8_TF32;
    int k = tf32 ? 8 : 16;
    float[][] am = new float[16][k];
    float[][] bm = new float[k][8];
    for (int lane = 0; lane < 32; lane++) {
      int groupId = lane >> 2;
      int tig = lane % 4; // threadID_in_group
      float[] ae = elements(a[lane], tf32);
      for (int i = 0; i < ae.length; i++) {
        int row;
        int col;
        if (tf32) {
          row = (i == 0 || i == 2) ? groupId : groupId + 8;
          col = (i == 0 || i == 1) ? tig : tig + 4;
        } else {
          row = (i < 2 || (i >= 4 && i < 6)) ? groupId : groupId + 8;
          col = i < 4 ? tig * 2 + (i & 0x1) : tig * 2 + (i & 0x1) + 8;
        }
        am[row][col] = ae[i];
      }
      float[] be = elements(b[lane], tf32);
      for (int i = 0; i < be.length; i++) {
        int row = tf32 ? (i == 0 ? tig : tig + 4) : (i < 2 ? tig * 2 + (i & 0x1)
            : tig * 2 + (i & 0x1) + 8);
        bm[row][groupId] = be[i];
      }
    }
    float[][] d = new float[32][4];
    for (int lane = 0; lane < 32; lane++) {
      int groupId = lane >> 2;
      int tig = lane % 4;
      for (int i = 0; i < 4; i++) {
        int row = i < 2 ? groupId : groupId + 8;
        int col = tig * 2 + (i & 0x1);
        float s = c[lane][i];
        for (int p = 0; p < k; p++) {
          s += am[row][p] * bm[p][col];
        }
        d[lane][i] = s;
      }
    }
    return d;
  }

  private static float[] elements(int[] regs, boolean tf32) {
    if (tf32) {
      float[] e = new float[regs.length];
      for (int i = 0; i < regs.length; i++) {
        e[i] = Float.intBitsToFloat(regs[i]);
      }
      return e;
    }
    float[] e = new float[regs.length * 2];
    for (int i = 0; i < regs.length; i++) {
      e[2 * i] = Float.intBitsToFloat(regs[i] << 16); // low half first
      e[2 * i + 1] = Float.intBitsToFloat(regs[i] & 0xffff0000);
    }
    return e;
  }
}
