package ai.rapids.cudf;

/** Stand-in for cudf's owned device memory, allocated through RMM. */
public class DeviceMemoryBuffer extends BaseDeviceMemoryBuffer {
  DeviceMemoryBuffer() {}

  /** {@code bytes} of device memory from RMM (on the per-thread default stream under RAPIDS). */
  public static DeviceMemoryBuffer allocate(long bytes) {
    throw Stubs.absent();
  }
}
