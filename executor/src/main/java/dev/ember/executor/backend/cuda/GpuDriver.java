package dev.ember.executor.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The few device operations the CUDA backend needs, on one device and one stream: memory, copies,
 * module loading, kernel launches and CUDA-graph capture. {@link JCudaDriver} implements it on the
 * CUDA driver API; tests also run it on a host emulator, so that the backend's generated kernels
 * and launch logic are checked on machines without a GPU.
 *
 * <p>Device pointers are plain longs (0 is null). Every operation is ordered on the driver's one
 * stream; {@link #download} and {@link #synchronize} wait for it. Not thread-safe: {@link
 * CudaDevice} serialises callers.
 */
public interface GpuDriver extends AutoCloseable {
  /** Shared memory a block may take without opting in (CUDA's default on every architecture). */
  int DEFAULT_SHARED_BYTES = 48 * 1024;

  /** The device this driver works on. */
  DeviceInfo device();

  /** Allocates {@code bytes} of device memory (uninitialised). */
  long alloc(long bytes);

  void free(long ptr);

  /**
   * Copies {@code src}'s remaining bytes (a direct buffer) to {@code dst}, in stream order. From a
   * {@link #hostBuffer} the copy may still be running on return: change {@code src} only after the
   * stream has passed it ({@link #download} or {@link #synchronize}).
   */
  void upload(long dst, ByteBuffer src);

  /**
   * Copies {@code dst.remaining()} bytes from {@code src} into {@code dst}; waits for the stream.
   */
  void download(ByteBuffer dst, long src);

  /**
   * A direct host buffer of {@code bytes} bytes (native order) for staging copies, meant to be
   * kept and reused: page-locked where the driver can, so copies run at full bus speed without a
   * bounce through the driver's own pinned pool. Valid until {@link #freeHost} or {@link #close}.
   */
  default ByteBuffer hostBuffer(long bytes) {
    return ByteBuffer.allocateDirect((int) Math.max(1, bytes)).order(ByteOrder.nativeOrder());
  }

  /** Releases a buffer from {@link #hostBuffer}; it must not be touched afterwards. */
  default void freeHost(ByteBuffer buffer) {}

  /**
   * Copies {@code rows} rows of {@code widthBytes} device to device, in stream order: row {@code
   * r} goes from {@code src + r * srcPitch} to {@code dst + r * dstPitch}. Either side may lie
   * outside this driver's allocations: memory another library allocated in the same context
   * (RAPIDS' cudf columns, through RMM), which is how Ember reads a GPU column without the host.
   */
  void copy(long dst, long dstPitch, long src, long srcPitch, long widthBytes, long rows);

  /**
   * Orders this driver's stream after the work the calling thread has enqueued so far on its
   * per-thread default stream (where the RAPIDS Accelerator's cudf calls run), so that columns
   * it produced are complete before {@link #copy} reads them. Does not wait on the host.
   */
  void awaitCallerStream();

  /**
   * Orders the calling thread's per-thread default stream after the work enqueued so far on this
   * driver's stream, so that outputs written by {@link #copy} are complete before cudf reads
   * them. Does not wait on the host.
   */
  void releaseToCallerStream();

  /** The ordinal of the device whose memory {@code address} is, or -1 when it is no device's. */
  int deviceOf(long address);

  /** Sets {@code bytes} bytes at {@code ptr} to zero, in stream order. */
  void zero(long ptr, long bytes);

  /**
   * Loads a module image made by {@link KernelCompiler#compile} and returns a handle for each
   * kernel name.
   */
  Map<String, Object> load(byte[] image, List<String> kernelNames);

  /**
   * Enqueues one kernel launch. {@code args} holds, in the kernel's parameter order, {@link Long}
   * for a device pointer or a 64-bit integer ({@code long long}), {@link Integer} for {@code int}
   * and {@link Float} for {@code float}.
   */
  void launch(Object kernel, Dim3 grid, Dim3 block, int sharedBytes, Object[] args);

  /** Waits until all work enqueued so far has finished; rethrows a kernel fault. */
  void synchronize();

  /** Starts recording the stream's work into a CUDA graph instead of running it. */
  void beginCapture();

  /** Ends the recording and returns an instantiated, replayable graph. */
  Object endCapture();

  /** Enqueues one replay of a graph from {@link #endCapture}. */
  void replay(Object graph);

  /** Frees a graph from {@link #endCapture}. */
  void destroyGraph(Object graph);

  /** Bytes of device memory free right now. */
  long freeBytes();

  /**
   * Runs {@code work} as the range a profiler started with {@code --profile-from-start off}
   * records ({@code cuProfilerStart} before it, {@code cuProfilerStop} after the device has
   * finished it), so that compiling, tuning and warm-up outside it are not profiled. Without a
   * profiler attached the bracket does nothing.
   */
  default void profiled(Runnable work) {
    work.run();
    synchronize();
  }

  @Override
  void close();

  /** Launch dimensions. */
  record Dim3(int x, int y, int z) {
    public static Dim3 of(int x) {
      return new Dim3(x, 1, 1);
    }

    public static Dim3 of(int x, int y, int z) {
      return new Dim3(x, y, z);
    }

    @Override
    public String toString() {
      return "(" + x + ", " + y + ", " + z + ")";
    }
  }

  /**
   * What a device is: ordinal, name, compute capability and memory. {@link #arch()} names the
   * NVRTC target, e.g. {@code sm_90}.
   */
  record DeviceInfo(int ordinal, String name, int major, int minor, long totalBytes) {
    public String arch() {
      return "sm_" + major + minor;
    }

    @Override
    public String toString() {
      return "cuda:" + ordinal + " " + name + " (" + arch() + ", "
          + String.format("%.1f GiB", totalBytes / (1024.0 * 1024 * 1024)) + ")";
    }
  }
}
