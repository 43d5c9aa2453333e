package ai.rapids.cudf;

/** Stand-in for cudf's buffer of host or device memory: an address and a length. */
public abstract class MemoryBuffer implements AutoCloseable {
  MemoryBuffer() {}

  public final long getLength() {
    throw Stubs.absent();
  }

  /** The buffer's first byte: a device address for device buffers. */
  public final long getAddress() {
    throw Stubs.absent();
  }

  @Override
  public synchronized void close() {
    throw Stubs.absent();
  }
}
