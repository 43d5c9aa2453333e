package dev.ember.udfs.rapids;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Which rows of a columnar batch reach the model: a row whose argument is null (any argument, in
 * the cudf validity masks) is left out of the model's batch and gets a null result, in place.
 * Dense index {@code d} is the {@code d}-th non-null row; {@link #scatter} puts dense results
 * back at their rows. Immutable.
 *
 * <pre>{@code
 * NullMap m = NullMap.of(new boolean[] {true, false, true});   // row 1 is null
 * m.denseRows();                                               // [0, 2]
 * m.scatter(new Object[] {a, c}, Object[]::new);               // [a, null, c]
 * }</pre>
 */
public final class NullMap {
  private final int rows;
  private final int[] dense;

  private NullMap(int rows, int[] dense) {
    this.rows = rows;
    this.dense = dense;
  }

  /** The map of a batch whose row {@code r} is valid when {@code valid[r]}. */
  public static NullMap of(boolean[] valid) {
    int[] dense = new int[valid.length];
    int n = 0;
    for (int r = 0; r < valid.length; r++) {
      if (valid[r]) {
        dense[n++] = r;
      }
    }
    return new NullMap(valid.length, Arrays.copyOf(dense, n));
  }

  /** Rows in the batch, null ones included. */
  public int rows() {
    return rows;
  }

  /** The rows that reach the model, ascending. */
  public int[] denseRows() {
    return dense.clone();
  }

  /** How many rows reach the model. */
  public int denseCount() {
    return dense.length;
  }

  /**
   * The full column of results: {@code results[d]} at row {@code denseRows()[d]}, null elsewhere.
   *
   * @throws IllegalArgumentException when {@code results} is not one per dense row
   */
  public <T> T[] scatter(T[] results, IntFunction<T[]> newArray) {
    if (results.length != dense.length) {
      throw new IllegalArgumentException("NullMap of " + dense.length + " non-null rows got "
          + results.length + " results");
    }
    T[] out = newArray.apply(rows);
    for (int d = 0; d < dense.length; d++) {
      out[dense[d]] = results[d];
    }
    return out;
  }
}
