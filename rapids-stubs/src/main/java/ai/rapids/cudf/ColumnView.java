package ai.rapids.cudf;

/** Stand-in for cudf's view of a device column (no ownership of its buffers). */
public class ColumnView implements AutoCloseable {
  ColumnView() {}

  public final DType getType() {
    throw Stubs.absent();
  }

  public final long getRowCount() {
    throw Stubs.absent();
  }

  public long getNullCount() {
    throw Stubs.absent();
  }

  public final ColumnView getChildColumnView(int index) {
    throw Stubs.absent();
  }

  public final int getNumChildren() {
    throw Stubs.absent();
  }

  /** Bytes of device memory the column and its children hold. */
  public long getDeviceMemorySize() {
    throw Stubs.absent();
  }

  /** The data buffer of a fixed-width column (a view; the column keeps owning it). */
  public final BaseDeviceMemoryBuffer getData() {
    throw Stubs.absent();
  }

  /** The INT32 offsets of a list column (rows + 1 of them), as a view. */
  public ColumnView getListOffsetsView() {
    throw Stubs.absent();
  }

  /** A BOOL8 column: true where this column's row is null. */
  public final ColumnVector isNull() {
    throw Stubs.absent();
  }

  /** A copy with every null row replaced by {@code value}. */
  public final ColumnVector replaceNulls(Scalar value) {
    throw Stubs.absent();
  }

  /** A copy whose validity is the {@code op} of {@code columns}' validity masks. */
  public final ColumnVector mergeAndSetValidity(BinaryOp op, ColumnView... columns) {
    throw Stubs.absent();
  }

  /** A synchronous copy of the column (and its children) to host memory. */
  public HostColumnVector copyToHost() {
    throw Stubs.absent();
  }

  @Override
  public void close() {
    throw Stubs.absent();
  }
}
