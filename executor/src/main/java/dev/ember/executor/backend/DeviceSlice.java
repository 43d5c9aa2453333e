package dev.ember.executor.backend;

import dev.ember.executor.ir.DType;
import java.util.Objects;

/**
 * One strided piece of a graph input that already lies in device memory (a column of another
 * library, such as a cudf column of the RAPIDS Accelerator): row {@code r} of the piece is the
 * {@code widthBytes} bytes at {@code address + r * rowPitchBytes}, and it fills bytes {@code
 * [rowOffsetBytes, rowOffsetBytes + widthBytes)} of row {@code r} of the input. One array column
 * is one piece covering the whole row; stacked scalar columns are one piece each, side by side.
 *
 * <pre>{@code
 * // a cudf LIST<FLOAT32> of 13 values per row whose child data starts at addr
 * DeviceSlice.whole(addr, 13 * 4, DType.FLOAT);
 * }</pre>
 *
 * @param dtype the element type the bytes hold; it must be the graph input's own
 */
public record DeviceSlice(long address, long rowPitchBytes, long rowOffsetBytes, long widthBytes,
    DType dtype) {
  public DeviceSlice {
    Objects.requireNonNull(dtype, "dtype");
    if (address == 0 || widthBytes <= 0 || rowPitchBytes < widthBytes || rowOffsetBytes < 0) {
      throw new IllegalArgumentException("DeviceSlice needs a non-null address, a positive"
          + " width and a pitch of at least the width; got address 0x"
          + Long.toHexString(address) + ", pitch " + rowPitchBytes + ", offset "
          + rowOffsetBytes + ", width " + widthBytes);
    }
  }

  /** A contiguous piece that is the whole row: rows of {@code rowBytes} back to back. */
  public static DeviceSlice whole(long address, long rowBytes, DType dtype) {
    return new DeviceSlice(address, rowBytes, 0, rowBytes, dtype);
  }

  /** The same piece {@code rows} rows further on. */
  public DeviceSlice skipRows(long rows) {
    return new DeviceSlice(address + rows * rowPitchBytes, rowPitchBytes, rowOffsetBytes,
        widthBytes, dtype);
  }
}
