package ai.rapids.cudf;

/** Stand-in for cudf's device memory, owned or a view (a column's data, validity, offsets). */
public abstract class BaseDeviceMemoryBuffer extends MemoryBuffer {
  BaseDeviceMemoryBuffer() {}
}
