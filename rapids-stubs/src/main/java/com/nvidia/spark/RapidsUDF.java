package com.nvidia.spark;

import ai.rapids.cudf.ColumnVector;

/**
 * Stand-in for the RAPIDS Accelerator's interface of a UDF with a GPU implementation (the real
 * one ships in the rapids-4-spark jar). The plugin calls {@link #evaluateColumnar(int,
 * ColumnVector...)} with the argument columns, on the GPU, and closes the returned column.
 */
public interface RapidsUDF {
  /** The older form, without the row count. */
  default ColumnVector evaluateColumnar(ColumnVector... args) {
    throw new UnsupportedOperationException("Ember's RapidsUDF stub: the RAPIDS jar is missing");
  }

  /** The UDF's value for {@code numRows} rows of argument columns, as a new device column. */
  default ColumnVector evaluateColumnar(int numRows, ColumnVector... args) {
    return evaluateColumnar(args);
  }
}
