package dev.ember.udfs.rapids;

import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.DeviceMemoryBuffer;
import ai.rapids.cudf.Scalar;
import dev.ember.executor.ir.DType;
import java.util.Optional;

/**
 * cudf columns over the device buffers the CUDA variants wrote: a fixed-width column for a scalar
 * output, a {@code LIST} over it with offsets {@code 0, w, 2w, ...} (made on the device by {@code
 * sequence}) for an array output. Also the cudf-to-Ember element type mapping of arguments.
 */
final class ResultColumns {
  private ResultColumns() {}

  /**
   * The column of result field {@code f} over {@code rows} rows of {@code data}, which it takes
   * ownership of (closed here on failure). The caller closes the column.
   */
  static ColumnVector field(FeedPlan.Field f, int rows, DeviceMemoryBuffer data) {
    long width = f.rowRank() == 0 ? 1 : rowElements(data, rows, f.dtype());
    ColumnVector flat;
    try {
      flat = new ColumnVector(cudfType(f.dtype()), rows * width, Optional.of(0L), data, null,
          null);
    } catch (RuntimeException e) {
      data.close();
      throw e;
    }
    if (f.rowRank() == 0) {
      return flat;
    }
    try (ColumnVector values = flat;
        Scalar zero = Scalar.fromInt(0);
        Scalar step = Scalar.fromInt(Math.toIntExact(width));
        ColumnVector offsets = ColumnVector.sequence(zero, step, rows + 1)) {
      return values.makeListFromOffsets(rows, offsets);
    }
  }

  /** Elements per row of a buffer holding {@code rows} rows of {@code dtype}. */
  private static long rowElements(DeviceMemoryBuffer data, int rows, DType dtype) {
    return data.getLength() / rows / dtype.byteSize();
  }

  static ai.rapids.cudf.DType cudfType(DType t) {
    return switch (t) {
      case FLOAT -> ai.rapids.cudf.DType.FLOAT32;
      case DOUBLE -> ai.rapids.cudf.DType.FLOAT64;
      case INT32 -> ai.rapids.cudf.DType.INT32;
      case INT64 -> ai.rapids.cudf.DType.INT64;
      default -> throw new IllegalArgumentException("no device result column of " + t);
    };
  }

  /** The Ember element type of a fixed-width cudf type, or null for any other. */
  static DType emberType(ai.rapids.cudf.DType t) {
    if (t.equals(ai.rapids.cudf.DType.FLOAT32)) {
      return DType.FLOAT;
    } else if (t.equals(ai.rapids.cudf.DType.FLOAT64)) {
      return DType.DOUBLE;
    } else if (t.equals(ai.rapids.cudf.DType.INT32)) {
      return DType.INT32;
    } else if (t.equals(ai.rapids.cudf.DType.INT64)) {
      return DType.INT64;
    } else if (t.equals(ai.rapids.cudf.DType.INT16)) {
      return DType.INT16;
    } else if (t.equals(ai.rapids.cudf.DType.INT8)) {
      return DType.INT8;
    }
    return null;
  }
}
