package ai.rapids.cudf;

/** Stand-in for a column (or a child of one) in host memory. */
public class HostColumnVectorCore implements AutoCloseable {
  HostColumnVectorCore() {}

  public DType getType() {
    throw Stubs.absent();
  }

  public long getRowCount() {
    throw Stubs.absent();
  }

  public boolean isNull(long row) {
    throw Stubs.absent();
  }

  public byte getByte(long row) {
    throw Stubs.absent();
  }

  public final short getShort(long row) {
    throw Stubs.absent();
  }

  public final int getInt(long row) {
    throw Stubs.absent();
  }

  public final long getLong(long row) {
    throw Stubs.absent();
  }

  public final float getFloat(long row) {
    throw Stubs.absent();
  }

  public final double getDouble(long row) {
    throw Stubs.absent();
  }

  public String getJavaString(long row) {
    throw Stubs.absent();
  }

  /** Where row {@code row} of a list column starts in its child. */
  public long getStartListOffset(long row) {
    throw Stubs.absent();
  }

  /** Where row {@code row} of a list column ends (exclusive) in its child. */
  public long getEndListOffset(long row) {
    throw Stubs.absent();
  }

  public HostColumnVectorCore getChildColumnView(int index) {
    throw Stubs.absent();
  }

  @Override
  public synchronized void close() {
    throw Stubs.absent();
  }
}
