package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.Half;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The 16-bit B^T copy of a weight: layout, padding, rounding and who may have one. */
class HalfWeightsTest {
  /** B [K 3, N 2] row-major, as a MatMul weight lies: element (k, n) at k * 2 + n. */
  private static final GemmShape ROW_MAJOR = new GemmShape(1, 5, 2, 3, 0, 3, 1, 0, 2, 1, 0, 2,
      1f, 0f, false, 0, 0);

  @Test
  void transposesAndPadsEachRowToSixteenBytes() {
    float[] b = {0, 1, 10, 11, 20, 21}; // B[k][n] = 10k + n
    ByteBuffer copy = HalfWeights.convert(ROW_MAJOR, GemmPrecision.FP16, i -> b[(int) i]);
    assertEquals(2 * 2 * 8, copy.remaining(), "two rows of K 3 padded to 8 halves");
    for (int n = 0; n < 2; n++) {
      for (int k = 0; k < 8; k++) {
        float want = k < 3 ? 10 * k + n : 0;
        assertEquals(want, Half.toFloat(copy.getShort(2 * (n * 8 + k))), "B^T[" + n + "][" + k
            + "]");
      }
    }
  }

  @Test
  void readsBThroughItsStridesWhenBIsTransposedAlready() {
    // Gemm with transB: B given as [N 2, K 3], element (k, n) at n * 3 + k.
    GemmShape t = new GemmShape(1, 5, 2, 3, 0, 3, 1, 0, 1, 3, 0, 2, 1f, 0f, false, 0, 0);
    float[] bt = {0, 10, 20, 1, 11, 21};
    ByteBuffer copy = HalfWeights.convert(t, GemmPrecision.BF16, i -> bt[(int) i]);
    assertEquals(11f, Half.bf16ToFloat(copy.getShort(2 * (8 + 1))));
    assertEquals(20f, Half.bf16ToFloat(copy.getShort(2 * 2)));
  }

  @Test
  void roundsToNearestEvenAsTheDeviceDoes() {
    float tie = 1f + 0x1p-11f; // halfway between two fp16 neighbours: rounds to the even one, 1
    float above = 1f + 0x1p-11f + 0x1p-20f;
    float[] b = {tie, above, 0, 0, 0, 0};
    ByteBuffer copy = HalfWeights.convert(ROW_MAJOR, GemmPrecision.FP16, i -> b[(int) i]);
    assertEquals(1f, Half.toFloat(copy.getShort(0)));
    assertEquals(1f + 0x1p-10f, Half.toFloat(copy.getShort(2 * 8)));
  }

  @Test
  void onlyAWeightAtSixteenBitsHasOne() {
    assertNull(HalfWeights.whyNot(GemmPrecision.FP16, ROW_MAJOR));
    assertNotNull(HalfWeights.whyNot(GemmPrecision.TF32, ROW_MAJOR));
    GemmShape batchedB = GemmShape.rowMajor(2, 5, 2, 3);
    assertNotNull(HalfWeights.whyNot(GemmPrecision.BF16, batchedB));
    assertThrows(IllegalArgumentException.class,
        () -> HalfWeights.convert(batchedB, GemmPrecision.BF16, i -> 0));
    assertEquals(16, HalfWeights.rowStride(9));
    assertEquals(8, HalfWeights.rowStride(8));
  }

  @Test
  void theKernelReadsTheCopyAlongK() {
    GemmShape k = HalfWeights.kernelShape(ROW_MAJOR);
    assertEquals(1, k.bRow());
    assertEquals(8, k.bCol());
    assertEquals(0, k.bBatch());
    assertEquals(ROW_MAJOR.aRow(), k.aRow());
  }
}
