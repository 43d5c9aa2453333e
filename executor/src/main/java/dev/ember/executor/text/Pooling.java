package dev.ember.executor.text;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.util.Arrays;

/**
 * Sentence-transformers' pooling for all-MiniLM-L6-v2 and its kin: the mean of the token vectors of
 * {@code last_hidden_state} over the positions where {@code attention_mask} is non-zero, then L2
 * normalisation. Sums run in double. A row whose mask is all zero pools to the zero vector (never
 * NaN): the count is clamped to 1e-9 and the norm to 1e-12, as sentence-transformers does.
 * Stateless and thread-safe.
 *
 * <pre>{@code
 * float[][] vectors = Pooling.meanPoolNormalized(hidden, batch.attentionMask(DType.INT64));
 * }</pre>
 */
public final class Pooling {
  static final double MIN_COUNT = 1e-9;
  static final double MIN_NORM = 1e-12;

  private Pooling() {}

  /**
   * Mean-pools {@code hidden} [B, S, H] over {@code mask} [B, S] and L2-normalises each row.
   *
   * @return B vectors of H floats
   * @throws IllegalArgumentException when the shapes do not fit together
   */
  public static float[][] meanPoolNormalized(Tensor hidden, Tensor mask) {
    float[][] pooled = meanPool(hidden, mask);
    for (float[] row : pooled) {
      l2NormalizeInPlace(row);
    }
    return pooled;
  }

  /** Mean-pools {@code hidden} [B, S, H] over {@code mask} [B, S], without normalising. */
  public static float[][] meanPool(Tensor hidden, Tensor mask) {
    if (hidden.rank() != 3
        || mask.rank() != 2
        || hidden.dim(0) != mask.dim(0)
        || hidden.dim(1) != mask.dim(1)) {
      throw new IllegalArgumentException(
          "Pooling: hidden states must be [B, S, H] and the mask [B, S], but got "
              + Arrays.toString(hidden.shape())
              + " and "
              + Arrays.toString(mask.shape()));
    }
    int b = hidden.dim(0);
    int s = hidden.dim(1);
    int h = hidden.dim(2);
    float[] fast = hidden.dtype() == DType.FLOAT ? hidden.rawFloats() : null;
    float[][] out = new float[b][h];
    double[] sum = new double[h];
    for (int i = 0; i < b; i++) {
      Arrays.fill(sum, 0);
      double count = 0;
      for (int t = 0; t < s; t++) {
        double m = mask.getDouble(i * s + t);
        if (m == 0) {
          continue;
        }
        count += m;
        int base = (i * s + t) * h;
        for (int k = 0; k < h; k++) {
          sum[k] += m * (fast != null ? fast[base + k] : hidden.getDouble(base + k));
        }
      }
      double div = Math.max(count, MIN_COUNT);
      for (int k = 0; k < h; k++) {
        out[i][k] = (float) (sum[k] / div);
      }
    }
    return out;
  }

  /** Scales {@code v} to unit L2 norm in place; a zero vector stays zero. */
  public static void l2NormalizeInPlace(float[] v) {
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    double norm = Math.max(Math.sqrt(sq), MIN_NORM);
    for (int k = 0; k < v.length; k++) {
      v[k] = (float) (v[k] / norm);
    }
  }
}
