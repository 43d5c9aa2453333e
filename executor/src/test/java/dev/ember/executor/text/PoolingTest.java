package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import org.junit.jupiter.api.Test;

/** Mean pooling over the mask, then L2 normalisation, on hand-made tensors. */
class PoolingTest {
  /** Two rows of three tokens, hidden size 2; row 0 has two real tokens, row 1 none. */
  static final Tensor HIDDEN =
      Tensor.ofFloats(
          new int[] {2, 3, 2},
          new float[] {
            1, 2, // row 0, token 0
            3, 6, // row 0, token 1
            100, -100, // row 0, padding: must not count
            5, 5, // row 1 ...
            7, 7,
            9, 9
          });

  static final Tensor MASK =
      Tensor.ofLongs(DType.INT64, new int[] {2, 3}, new long[] {1, 1, 0, 0, 0, 0});

  @Test
  void meanCountsOnlyMaskedTokens() {
    float[][] mean = Pooling.meanPool(HIDDEN, MASK);
    assertArrayEquals(new float[] {2, 4}, mean[0]);
  }

  @Test
  void normalisedToUnitLength() {
    float[][] v = Pooling.meanPoolNormalized(HIDDEN, MASK);
    double n = Math.sqrt(20); // |(2, 4)|
    assertArrayEquals(new float[] {(float) (2 / n), (float) (4 / n)}, v[0], 1e-7f);
  }

  @Test
  void allZeroMaskGivesZeroVectorNotNaN() {
    float[][] v = Pooling.meanPoolNormalized(HIDDEN, MASK);
    for (float x : v[1]) {
      assertFalse(Float.isNaN(x));
      assertEquals(0f, x);
    }
  }

  @Test
  void zeroVectorStaysZero() {
    float[] z = new float[4];
    Pooling.l2NormalizeInPlace(z);
    assertArrayEquals(new float[4], z);
  }

  @Test
  void int32MaskAndDoubleHiddenWork() {
    Tensor hidden = Tensor.ofDoubles(new int[] {1, 2, 1}, new double[] {3, 5});
    Tensor mask = Tensor.ofLongs(DType.INT32, new int[] {1, 2}, new long[] {1, 1});
    assertArrayEquals(new float[] {4}, Pooling.meanPool(hidden, mask)[0]);
    assertArrayEquals(new float[] {1}, Pooling.meanPoolNormalized(hidden, mask)[0]);
  }

  @Test
  void mismatchedShapesAreRejected() {
    Tensor mask = Tensor.ofLongs(DType.INT64, new int[] {2, 2}, new long[4]);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Pooling.meanPool(HIDDEN, mask));
    assertEquals(true, e.getMessage().contains("[2, 3, 2]"), e.getMessage());
  }
}
