package dev.ember.executor.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceComputeCapability;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.CU_STREAM_PER_THREAD;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuGetErrorString;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpy2DAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuPointerGetAttribute;
import static jcuda.driver.JCudaDriver.cuProfilerStart;
import static jcuda.driver.JCudaDriver.cuProfilerStop;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUDA_MEMCPY2D;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmemorytype;
import jcuda.driver.CUmodule;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

/**
 * {@link GpuDriver} on the CUDA driver API through JCuda: the device's primary context (shared
 * with anything else in the JVM that uses the device, RAPIDS included), one non-blocking stream,
 * and CUDA graphs captured from that stream. Device pointers are the raw addresses, so kernel
 * arguments pass them as 64-bit values; allocations are remembered to turn an address back into a
 * JCuda pointer for copies and frees.
 *
 * <p>Every call makes the context current on the calling thread first: Spark runs tasks on
 * pooled threads, and a CUDA context is current per thread. The primary context is the one the
 * CUDA runtime (and so cudf and RMM, under the RAPIDS Accelerator) uses on the same device, so
 * device addresses of cudf columns are valid here, and two events join this driver's stream with
 * the calling thread's per-thread default stream, where cudf work runs ({@link
 * #awaitCallerStream}, {@link #releaseToCallerStream}).
 */
public final class JCudaDriver implements GpuDriver {
  private static final int CU_STREAM_NON_BLOCKING = 1;
  private static final int CU_EVENT_DISABLE_TIMING = 2;

  private final DeviceInfo info;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUstream stream = new CUstream();
  private final CUevent callerDone = new CUevent();
  private final CUevent emberDone = new CUevent();
  private final TreeMap<Long, CUdeviceptr> allocations = new TreeMap<>();
  private final List<CUmodule> modules = new ArrayList<>();
  // Page-locked host buffers by identity: callers hold the buffer, the pointer is what frees it.
  private final Map<ByteBuffer, Pointer> hostBuffers = new IdentityHashMap<>();
  /** Dynamic shared memory each kernel was allowed beyond the default 48 KB. */
  private final Map<CUfunction, Integer> sharedOptIn = new IdentityHashMap<>();
  private boolean closed;

  /**
   * Opens device {@code ordinal}; throws DEVICE_UNAVAILABLE when the driver or device is absent.
   */
  public JCudaDriver(int ordinal) {
    try {
      check(cuInit(0), "cuInit");
    } catch (LinkageError e) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE,
          "the CUDA driver library (libcuda.so.1) does not load: " + e.getMessage(),
          "run on a machine with an NVIDIA driver, or set spark.ember.device=cpu", e);
    }
    check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
    check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    check(cuStreamCreate(stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    check(cuEventCreate(callerDone, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    check(cuEventCreate(emberDone, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    byte[] name = new byte[256];
    check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
    int[] major = {0};
    int[] minor = {0};
    check(cuDeviceComputeCapability(major, minor, device), "cuDeviceComputeCapability");
    long[] total = {0};
    check(cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
    int len = 0;
    while (len < name.length && name[len] != 0) {
      len++;
    }
    this.info = new DeviceInfo(ordinal, new String(name, 0, len, StandardCharsets.UTF_8),
        major[0], minor[0], total[0]);
  }

  @Override
  public DeviceInfo device() {
    return info;
  }

  /** The stream all work goes to, for libraries that enqueue on it (cuBLAS). */
  public CUstream stream() {
    current();
    return stream;
  }

  /** A JCuda pointer for a raw device address inside one of this driver's allocations. */
  public CUdeviceptr pointer(long address) {
    Map.Entry<Long, CUdeviceptr> e = allocations.floorEntry(address);
    if (e == null) {
      throw new IllegalArgumentException("0x" + Long.toHexString(address)
          + " is not inside any allocation of " + info);
    }
    return e.getValue().withByteOffset(address - e.getKey());
  }

  @Override
  public long alloc(long bytes) {
    current();
    CUdeviceptr p = new CUdeviceptr();
    int rc = cuMemAlloc(p, Math.max(bytes, 4));
    if (rc != CUresult.CUDA_SUCCESS) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "cannot allocate " + bytes + " bytes on " + info
          + ": " + describe(rc) + " (" + freeBytes() + " bytes free)",
          "lower spark.ember.cuda.graphMemory or the capture sizes, or run fewer models per GPU");
    }
    long[] raw = {0};
    check(cuPointerGetAttribute(Pointer.to(raw),
        CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, p), "cuPointerGetAttribute");
    allocations.put(raw[0], p);
    return raw[0];
  }

  @Override
  public void free(long ptr) {
    current();
    CUdeviceptr p = allocations.remove(ptr);
    if (p != null) {
      check(cuMemFree(p), "cuMemFree");
    }
  }

  @Override
  public ByteBuffer hostBuffer(long bytes) {
    current();
    long n = Math.max(1, bytes);
    Pointer p = new Pointer();
    if (cuMemAllocHost(p, n) != CUresult.CUDA_SUCCESS) {
      return GpuDriver.super.hostBuffer(bytes); // pinning only speeds copies up; pageable works
    }
    ByteBuffer b = p.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
    hostBuffers.put(b, p);
    return b;
  }

  @Override
  public void freeHost(ByteBuffer buffer) {
    current();
    Pointer p = hostBuffers.remove(buffer);
    if (p != null) {
      check(cuMemFreeHost(p), "cuMemFreeHost");
    }
  }

  @Override
  public void upload(long dst, ByteBuffer src) {
    current();
    check(cuMemcpyHtoDAsync(pointer(dst), Pointer.to(src.slice()), src.remaining(), stream),
        "cuMemcpyHtoDAsync");
  }

  @Override
  public void download(ByteBuffer dst, long src) {
    current();
    check(cuMemcpyDtoHAsync(Pointer.to(dst.slice()), pointer(src), dst.remaining(), stream),
        "cuMemcpyDtoHAsync");
    synchronize();
  }

  @Override
  public void copy(long dst, long dstPitch, long src, long srcPitch, long widthBytes, long rows) {
    current();
    if (rows <= 0 || widthBytes <= 0) {
      return;
    }
    if (rows == 1 || (dstPitch == widthBytes && srcPitch == widthBytes)) {
      check(cuMemcpyDtoDAsync(anyPointer(dst), anyPointer(src), widthBytes * rows, stream),
          "cuMemcpyDtoDAsync");
      return;
    }
    CUDA_MEMCPY2D c = new CUDA_MEMCPY2D();
    c.srcMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
    c.srcDevice = anyPointer(src);
    c.srcPitch = srcPitch;
    c.dstMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
    c.dstDevice = anyPointer(dst);
    c.dstPitch = dstPitch;
    c.WidthInBytes = widthBytes;
    c.Height = rows;
    check(cuMemcpy2DAsync(c, stream), "cuMemcpy2DAsync");
  }

  @Override
  public void awaitCallerStream() {
    current();
    check(cuEventRecord(callerDone, CU_STREAM_PER_THREAD), "cuEventRecord(per-thread stream)");
    check(cuStreamWaitEvent(stream, callerDone, 0), "cuStreamWaitEvent");
  }

  @Override
  public void releaseToCallerStream() {
    current();
    check(cuEventRecord(emberDone, stream), "cuEventRecord");
    check(cuStreamWaitEvent(CU_STREAM_PER_THREAD, emberDone, 0),
        "cuStreamWaitEvent(per-thread stream)");
  }

  @Override
  public int deviceOf(long address) {
    current();
    int[] ordinal = {-1};
    int rc = cuPointerGetAttribute(Pointer.to(ordinal),
        CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, anyPointer(address));
    return rc == CUresult.CUDA_SUCCESS ? ordinal[0] : -1;
  }

  /**
   * A JCuda pointer for any device address, this driver's or memory another library of the same
   * context allocated: JCuda passes base plus byte offset, as {@link #pointer} relies on too.
   */
  private static CUdeviceptr anyPointer(long address) {
    return new CUdeviceptr().withByteOffset(address);
  }

  @Override
  public void zero(long ptr, long bytes) {
    current();
    check(cuMemsetD8Async(pointer(ptr), (byte) 0, bytes, stream), "cuMemsetD8Async");
  }

  @Override
  public Map<String, Object> load(byte[] image, List<String> kernelNames) {
    current();
    CUmodule module = new CUmodule();
    check(cuModuleLoadData(module, image), "cuModuleLoadData");
    modules.add(module);
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : kernelNames) {
      CUfunction f = new CUfunction();
      check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
      out.put(name, f);
    }
    return out;
  }

  @Override
  public void launch(Object kernel, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {
    current();
    NativePointerObject[] params = new NativePointerObject[args.length];
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a instanceof Long l) {
        params[i] = Pointer.to(new long[] {l});
      } else if (a instanceof Integer n) {
        params[i] = Pointer.to(new int[] {n});
      } else if (a instanceof Float f) {
        params[i] = Pointer.to(new float[] {f});
      } else {
        throw new IllegalArgumentException("kernel argument #" + i + " has unsupported type "
            + (a == null ? "null" : a.getClass().getSimpleName()));
      }
    }
    CUfunction f = (CUfunction) kernel;
    if (sharedBytes > DEFAULT_SHARED_BYTES && sharedOptIn.getOrDefault(f, 0) < sharedBytes) {
      // Past 48 KB a kernel must opt in to its dynamic shared memory, once.
      check(cuFuncSetAttribute(f,
          CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
          "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, " + sharedBytes + ")");
      sharedOptIn.put(f, sharedBytes);
    }
    check(cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(),
        block.y(), block.z(), sharedBytes, stream, Pointer.to(params), null), "cuLaunchKernel");
  }

  @Override
  public void synchronize() {
    current();
    check(cuStreamSynchronize(stream), "cuStreamSynchronize (a kernel failed)");
  }

  @Override
  public void beginCapture() {
    current();
    // Thread-local mode: other threads' unrelated CUDA calls (a RAPIDS task) do not break it.
    check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
        "cuStreamBeginCapture");
  }

  @Override
  public Object endCapture() {
    current();
    CUgraph graph = new CUgraph();
    check(cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
    CUgraphExec exec = new CUgraphExec();
    try {
      check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
    } finally {
      cuGraphDestroy(graph);
    }
    return exec;
  }

  @Override
  public void replay(Object graph) {
    current();
    check(cuGraphLaunch((CUgraphExec) graph, stream), "cuGraphLaunch");
  }

  @Override
  public void profiled(Runnable work) {
    synchronize(); // nothing enqueued before the range runs inside it
    // Their results are not checked: without a profiler attached they do nothing, and a
    // profiler's own trouble must not fail the work.
    cuProfilerStart();
    try {
      work.run();
      synchronize();
    } finally {
      current();
      cuProfilerStop();
    }
  }

  @Override
  public void destroyGraph(Object graph) {
    current();
    cuGraphExecDestroy((CUgraphExec) graph);
  }

  @Override
  public long freeBytes() {
    current();
    long[] free = {0};
    long[] total = {0};
    check(cuMemGetInfo(free, total), "cuMemGetInfo");
    return free[0];
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    // Make the context current before marking the driver closed: current() refuses a closed
    // driver, so the other order made every close() throw "is closed".
    makeCurrent();
    closed = true;
    cuStreamSynchronize(stream);
    for (CUdeviceptr p : allocations.values()) {
      cuMemFree(p);
    }
    allocations.clear();
    for (Pointer p : hostBuffers.values()) {
      cuMemFreeHost(p);
    }
    hostBuffers.clear();
    modules.clear(); // unloaded with the context's last reference
    cuEventDestroy(callerDone);
    cuEventDestroy(emberDone);
    cuStreamDestroy(stream);
    cuDevicePrimaryCtxRelease(device);
  }

  private void current() {
    if (closed) {
      throw new IllegalStateException(info + " is closed");
    }
    makeCurrent();
  }

  private void makeCurrent() {
    check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  private void check(int rc, String what) {
    if (rc != CUresult.CUDA_SUCCESS) {
      throw Errors.of(ErrorCode.KERNEL_FAILED,
          what + " failed on " + (info == null ? "the CUDA device" : info) + ": " + describe(rc),
          rc == CUresult.CUDA_ERROR_NO_DEVICE || rc == CUresult.CUDA_ERROR_INVALID_DEVICE
              ? "check spark.ember.cuda.deviceOrdinal and the executor's gpu resource"
              : "a device fault poisons the context: the executor must restart; report the"
                  + " message with the model");
    }
  }

  private static String describe(int rc) {
    String[] s = {null};
    try {
      cuGetErrorString(rc, s);
    } catch (RuntimeException e) {
      // fall back to the enum name
    }
    return CUresult.stringFor(rc) + (s[0] == null ? "" : " (" + s[0] + ")");
  }
}
