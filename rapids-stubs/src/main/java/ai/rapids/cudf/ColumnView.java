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

  /** A synchronous copy of the column (and its children) to host memory. */
  public HostColumnVector copyToHost() {
    throw Stubs.absent();
  }

  @Override
  public void close() {
    throw Stubs.absent();
  }
}
