package dev.ember.executor.backend.cuda;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU as the executor JVM shares it: the driver (one context and stream), the kernel
 * compiler, the weights uploaded once and shared by every variant, the GEMMs, a scratch area for
 * variants that run launch by launch, and the memory budget of captured variants. All device work
 * goes through {@link #exclusive}, so concurrent Spark tasks take turns on the stream: a forward
 * pass is a few milliseconds of launches or one graph replay, and interleaving two on one stream
 * would only add contention.
 */
public final class CudaDevice implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
  private static final Map<Integer, CudaDevice> OPEN = new ConcurrentHashMap<>();

  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Tensor, Long> weights = new IdentityHashMap<>();
  /** 16-bit B^T copies of weights, by tensor, then by layout and precision ({@link #halfWeight}). */
  private final Map<Tensor, Map<String, Long>> halfWeights = new IdentityHashMap<>();
  private final Map<String, GpuGemm> gemms = new ConcurrentHashMap<>();
  private final List<GemmFactory> offered = new CopyOnWriteArrayList<>();
  private GemmTuner tuner; // guarded by the lock
  private long weightBytes;
  private long scratch;
  private long scratchBytes;
  private long graphBytes;
  private boolean closed; // guarded by the lock

  private CudaDevice(GpuDriver driver, KernelCompiler compiler) {
    this.driver = driver;
    this.compiler = compiler;
  }

  /**
   * The JVM's device {@code ordinal}, opened on first use and shared by every model and task.
   *
   * @throws EmberException DEVICE_UNAVAILABLE when no driver, device or NVRTC is there
   */
  public static CudaDevice open(int ordinal) {
    return OPEN.computeIfAbsent(ordinal, o -> {
      Nvrtc.version(); // fail with the NVRTC reason before touching the device
      CudaDevice d = new CudaDevice(new JCudaDriver(o), new Nvrtc());
      LOG.info("Ember opened {} (NVRTC {})", d.info(), Nvrtc.version());
      return d;
    });
  }

  /** A device on any driver and compiler (the host emulator in tests); not shared. */
  public static CudaDevice on(GpuDriver driver, KernelCompiler compiler) {
    return new CudaDevice(driver, compiler);
  }

  public GpuDriver.DeviceInfo info() {
    return driver.device();
  }

  GpuDriver driver() {
    return driver;
  }

  KernelCompiler compiler() {
    return compiler;
  }

  /** Runs {@code work} as the only user of the device's stream. */
  public <T> T exclusive(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Throws once the device is closed (under the lock): variants' staging buffers die with the
   * driver, and writing to freed page-locked memory would crash the JVM rather than throw.
   */
  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the CUDA device is closed");
    }
  }

  /** The device address of initializer {@code t}, uploading it on first use (under the lock). */
  long weight(Tensor t) {
    Long p = weights.get(t);
    if (p == null) {
      var bytes = DeviceData.toDevice(t);
      p = driver.alloc(bytes.remaining());
      driver.upload(p, bytes);
      weights.put(t, p);
      weightBytes += bytes.remaining();
    }
    return p;
  }

  /**
   * The device address of a GEMM's B read in 16 bits ({@link HalfWeights}): initializer {@code t}
   * from {@code offsetBytes} on, laid out as {@code s}'s B, converted at {@code p} and uploaded
   * on first use (under the lock), then shared like the weight itself.
   */
  long halfWeight(Tensor t, long offsetBytes, GemmShape s, GemmPrecision p) {
    String layout = p.confName() + " " + offsetBytes + " " + s.k() + "x" + s.n() + " ("
        + s.bRow() + "," + s.bCol() + ")";
    Map<String, Long> copies = halfWeights.computeIfAbsent(t, k -> new HashMap<>());
    Long ptr = copies.get(layout);
    if (ptr == null) {
      float[] v = t.rawFloats();
      long from = offsetBytes / 4;
      ByteBuffer bytes = HalfWeights.convert(s, p, i -> v[Math.toIntExact(from + i)]);
      ptr = driver.alloc(bytes.remaining());
      driver.upload(ptr, bytes);
      copies.put(layout, ptr);
      weightBytes += bytes.remaining();
    }
    return ptr;
  }

  /** Scratch memory of at least {@code bytes}, shared by variants that hold no graph. */
  long scratch(long bytes) {
    if (bytes > scratchBytes) {
      if (scratch != 0) {
        driver.synchronize();
        driver.free(scratch);
      }
      scratch = driver.alloc(bytes);
      scratchBytes = bytes;
    }
    return scratch;
  }

  /** Reserves {@code bytes} for a captured variant's own buffers; false beyond {@code limit}. */
  boolean reserveGraphMemory(long bytes, long limit) {
    if (graphBytes + bytes > limit) {
      return false;
    }
    graphBytes += bytes;
    return true;
  }

  void releaseGraphMemory(long bytes) {
    graphBytes -= bytes;
  }

  /** Bytes held by captured variants' own buffers. */
  public long graphBytes() {
    return graphBytes;
  }

  /** Bytes of uploaded weights. */
  public long weightBytes() {
    return weightBytes;
  }

  /**
   * The precision products run at here: {@code options}', or fp32 where this device has no
   * tensor-core mma of it.
   */
  GemmPrecision precision(CudaOptions options) {
    GemmPrecision p = options.precision();
    return GemmKernels.runsOn(p, info().arch()) ? p : GemmPrecision.FP32;
  }

  /** The GEMM for {@code options} on this device, made once per (choice, precision). */
  GpuGemm gemm(CudaOptions options) {
    GemmPrecision p = precision(options);
    if (p != options.precision()) {
      LOG.warn("{} has no {} tensor-core mma (needs {}); GEMMs run in fp32", info(),
          options.precision().confName(), GemmKernels.minimumArch(options.precision()));
    }
    String choice = options.gemm();
    if (choice.equals("auto")) {
      choice = driver instanceof JCudaDriver && CublasGemm.unavailableReason() == null
          ? "cublas" : "generated";
    }
    if (choice.equals("cublas") && !(driver instanceof JCudaDriver)) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "cuBLAS needs the CUDA driver; " + info()
          + " is not one", "set spark.ember.cuda.gemm=generated");
    }
    GemmPrecision precision = p;
    String key = choice + "/" + precision.confName();
    return gemms.computeIfAbsent(key, k -> k.startsWith("cublas")
        ? new CublasGemm((JCudaDriver) driver, compiler, precision)
        : new GeneratedGemm(driver, compiler, precision));
  }

  /**
   * The GEMMs whose routes a shape may take: {@link #gemm}'s, and with tuning on where that is
   * cuBLAS, the generated kernels of the same precision too, so the tuner weighs both.
   */
  List<GpuGemm> gemms(CudaOptions options) {
    GpuGemm first = gemm(options);
    if (!options.gemmTuning()) {
      return List.of(first);
    }
    List<GpuGemm> out = new ArrayList<>(List.of(first));
    if (first instanceof CublasGemm) {
      out.add(gemm(options.withGemm("generated")));
    }
    for (int i = 0; i < offered.size(); i++) {
      GemmFactory make = offered.get(i);
      out.add(gemms.computeIfAbsent("offered" + i + "/" + options.precision().confName(),
          k -> make.make(driver, compiler, options.precision())));
    }
    return out;
  }

  /**
   * Offers the tuner one more GEMM per precision beside the configured ones: how the device check
   * lets an experimental kernel ({@link WgmmaGemm}) compete once a run of its own has shown it
   * does not fault. Its routes are still taken only where they agree with the FP32 kernel and are
   * faster; with tuning off it is never used.
   */
  public void offer(GemmFactory gemm) {
    offered.add(gemm);
  }

  /** Makes a GEMM of one precision on this device's driver and compiler. */
  @FunctionalInterface
  public interface GemmFactory {
    GpuGemm make(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision);
  }

  /** The device's GEMM tuner, its choices kept for the device's lifetime; under the lock. */
  GemmTuner tuner() {
    if (tuner == null) {
      tuner = new GemmTuner(driver,
          gemm(CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)));
    }
    return tuner;
  }

  @Override
  public void close() {
    exclusive(() -> {
      closed = true;
      gemms.values().forEach(GpuGemm::close);
      driver.close();
      OPEN.values().remove(this);
      return null;
    });
  }
}
