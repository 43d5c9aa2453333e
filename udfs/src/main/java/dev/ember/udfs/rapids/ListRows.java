package dev.ember.udfs.rapids;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;

/**
 * Checks the offsets of a cudf {@code LIST} argument column before its child data is read as
 * whole rows: offsets never go down and stay inside the child, and, for a graph input of fixed row size, give every non-null row exactly that many elements (so
 * row {@code r} is the child's elements {@code [off[r], off[r] + width)}, which the device feed
 * reads as one contiguous block). Null rows are skipped: cudf gives them any length, usually 0.
 */
public final class ListRows {
  private ListRows() {}

  /**
   * Checks {@code offsets} (length rows + 1) against {@code childSize} and, when {@code width} is
   * not negative, the width of every row that {@code valid} marks (null: every row).
   *
   * @param what the argument, for messages ("argument 1 of ember_predict")
   * @throws EmberException SHAPE_MISMATCH for a row of another width, naming the row; BAD_INPUT
   *     for offsets that are not a valid list layout
   */
  public static void check(String what, int[] offsets, long childSize, boolean[] valid,
      int width) {
    if (offsets.length == 0) {
      throw Errors.of(ErrorCode.BAD_INPUT, what + ": a list column has no offsets",
          "report this as a bug in the column's producer; cudf list columns hold rows + 1"
              + " offsets");
    }
    int rows = offsets.length - 1;
    if (valid != null && valid.length != rows) {
      throw new IllegalArgumentException(what + ": " + valid.length + " validity flags for "
          + rows + " rows");
    }
    if (offsets[0] < 0 || offsets[rows] > childSize) {
      throw Errors.of(ErrorCode.BAD_INPUT, what + ": list offsets span [" + offsets[0] + ", "
          + offsets[rows] + ") but the child has " + childSize + " elements",
          "report this as a bug in the column's producer");
    }
    for (int r = 0; r < rows; r++) {
      int len = offsets[r + 1] - offsets[r];
      if (len < 0) {
        throw Errors.of(ErrorCode.BAD_INPUT, what + ": list offsets go down at row " + r + " ("
            + offsets[r] + " then " + offsets[r + 1] + ")",
            "report this as a bug in the column's producer");
      }
      if (width >= 0 && (valid == null || valid[r]) && len != width) {
        throw Errors.of(ErrorCode.SHAPE_MISMATCH, what + ": row " + r + " of the batch holds "
            + len + " values, but the graph input takes rows of " + width + " values",
            "give every row " + width + " values (filter with size(col) = " + width + ")");
      }
    }
  }
}
