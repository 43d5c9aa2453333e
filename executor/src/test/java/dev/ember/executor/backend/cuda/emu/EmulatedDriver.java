package dev.ember.executor.backend.cuda.emu;

import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link GpuDriver} that runs generated kernels on the host, so that the CUDA backend's kernels
 * and its launch and capture logic are checked numerically on machines without a GPU. Kernels come
 * from {@link HostKernelCompiler}; a runner process ({@code emu_runner.cpp}) maps device memory at
 * the device pointers' addresses and runs each block on a worker thread with one fiber per CUDA
 * thread, so {@code __syncthreads}, {@code __shared__} and warp shuffles behave as on a GPU.
 *
 * <p>Checks a GPU would not make: an access past the end of an allocation (guard page) or to
 * freed memory faults and fails with KERNEL_FAILED naming the kernel, block, thread and the
 * allocation it missed; pointer arguments must lie in live allocations; launch dimensions and
 * argument types are validated; a barrier that cannot complete is reported, not hung; copies and
 * synchronisation during capture throw {@link IllegalStateException}, as CUDA graphs captured by
 * the backend may hold only kernels and memsets. As on CUDA, a fault is sticky: every later call
 * fails.
 *
 * <p>Inline PTX runs on host models of the instructions the tensor-core GEMMs use ({@code
 * mma.sync}, {@code cvt}, {@code cp.async}, {@code ldmatrix}, {@code wgmma.mma_async}: {@link
 * EmuPtx}, {@code emu_ptx.h}); a broken PTX rule (a misaligned {@code cp.async}, a copy into a
 * stage an in-flight wgmma reads) fails the launch like a fault, with its reason.
 *
 * <p>Limits: other PTX is refused at compile time; timings mean nothing; launches run
 * synchronously (the stream order is trivially kept); math is glibc's, so
 * results differ from the GPU's in the last bits; out-of-bounds accesses are caught with page
 * granularity after an allocation's end, not before its start nor between arrays in shared
 * memory; data races between threads of a block are not detected (fibers run in turn); device
 * memory is at most 2 GiB. Not thread-safe, like every {@link GpuDriver}.
 *
 * <pre>{@code
 * try (EmulatedDriver gpu = new EmulatedDriver()) {
 *   byte[] image = new HostKernelCompiler().compile(source, gpu.device().arch(), "k.cu");
 *   Object add = gpu.load(image, List.of("add")).get("add");
 *   gpu.launch(add, Dim3.of(blocks), Dim3.of(256), 0, new Object[] {x, y, out, n});
 * }
 * }</pre>
 */
public final class EmulatedDriver implements GpuDriver {
  private static final long DEFAULT_MEMORY = 1L << 30;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final EmuDeviceMemory memory;
  private final EmuRunnerProcess runner;
  private final Duration launchTimeout;
  private final Map<String, Map<String, Kernel>> modules = new HashMap<>(); // by image hash
  private List<Step> recording; // non-null while capturing
  private String failure; // the sticky fault, as CUDA keeps one
  private boolean closed;
  private long launches;
  private long replays;
  private long downloads;
  private long downloadBytes;
  private long streamJoins;
  private boolean profiling; // inside profiled(): kernels run are what a profiler would record
  private final List<String> profiled = new ArrayList<>();
  private int major = 8;
  private int minor = 0;

  /** A loaded kernel: what {@link #load} returns and {@link #launch} takes. */
  public record Kernel(int module, int index, String name, String letters) {}

  /** A captured graph: the kernels and memsets recorded between begin- and endCapture. */
  public static final class Graph {
    private final List<Step> steps;
    private boolean destroyed;

    private Graph(List<Step> steps) {
      this.steps = List.copyOf(steps);
    }

    /** How many kernel launches one replay runs. */
    public long kernelCount() {
      return steps.stream().filter(s -> s instanceof LaunchStep).count();
    }
  }

  private sealed interface Step permits LaunchStep, ZeroStep {}

  private record LaunchStep(Kernel kernel, Dim3 grid, Dim3 block, int shared, Object[] args)
      implements Step {}

  private record ZeroStep(long pointer, long bytes) implements Step {}

  /** 1 GiB of device memory; a launch may take 60 s; reports compute capability 8.0. */
  public EmulatedDriver() {
    this(DEFAULT_MEMORY, Duration.ofSeconds(60));
  }

  /**
   * Like {@link #EmulatedDriver()}, reporting compute capability {@code major.minor}: 9.0 lets
   * code built for sm_90 only (the wgmma GEMM) choose to run here.
   */
  public static EmulatedDriver reporting(int major, int minor) {
    EmulatedDriver d = new EmulatedDriver();
    d.major = major;
    d.minor = minor;
    return d;
  }

  /**
   * @param memoryBytes device memory, a multiple of 4096 below 2 GiB (sparse: only what is
   *     written costs RAM)
   * @param launchTimeout how long one kernel may run before it counts as hung
   */
  public EmulatedDriver(long memoryBytes, Duration launchTimeout) {
    Path exe = EmuToolchain.runner();
    this.memory = new EmuDeviceMemory(memoryBytes);
    this.launchTimeout = launchTimeout;
    int workers = Math.min(8, Runtime.getRuntime().availableProcessors());
    try {
      this.runner = new EmuRunnerProcess(exe, memory, workers, START_TIMEOUT);
    } catch (RuntimeException e) {
      memory.close();
      throw e;
    }
    memory.unlinkFile(); // both sides have it mapped; nothing is left behind after a crash
  }

  @Override
  public DeviceInfo device() {
    checkOpen();
    return new DeviceInfo(0, "host emulator", major, minor, memory.size());
  }

  /** Kernel launches run outside graphs so far. */
  public long launches() {
    return launches;
  }

  /**
   * The kernels run inside {@link #profiled} ranges so far, by name in the order they ran (a
   * graph's launches included): what a profiler started with {@code --profile-from-start off}
   * would record.
   */
  public List<String> profiledKernels() {
    return List.copyOf(profiled);
  }

  @Override
  public void profiled(Runnable work) {
    checkUsable();
    refuseWhileCapturing("profiled");
    if (profiling) {
      throw new IllegalStateException("EmulatedDriver: profiled ranges do not nest");
    }
    profiling = true;
    try {
      work.run();
    } finally {
      profiling = false;
    }
  }

  /** The dynamic shared memory a block may opt in to on the reported device, as CUDA's. */
  private int maxSharedBytes() {
    return major >= 9 ? 227 * 1024 : major == 8 && minor == 0 ? 163 * 1024 : 99 * 1024;
  }

  /** Graph replays run so far. */
  public long replays() {
    return replays;
  }

  /** Device-to-host copies so far ({@link #download} calls). */
  public long downloads() {
    return downloads;
  }

  /** Bytes copied device to host so far. */
  public long downloadBytes() {
    return downloadBytes;
  }

  /**
   * Joins with the caller's stream so far ({@link #awaitCallerStream} plus {@link
   * #releaseToCallerStream}); the emulator runs everything in order, so they only count.
   */
  public long streamJoins() {
    return streamJoins;
  }

  @Override
  public long alloc(long bytes) {
    checkUsable();
    EmuDeviceMemory.Allocation a = memory.alloc(bytes);
    command("M " + hex(EmuDeviceMemory.mappedOffset(a)) + " "
        + hex(EmuDeviceMemory.mappedLength(a)), Duration.ofSeconds(10), "alloc");
    return a.pointer();
  }

  @Override
  public void free(long ptr) {
    checkUsable();
    EmuDeviceMemory.Allocation a = memory.free(ptr);
    command("U " + hex(EmuDeviceMemory.mappedOffset(a)) + " "
        + hex(EmuDeviceMemory.mappedLength(a)), Duration.ofSeconds(10), "free");
  }

  @Override
  public void upload(long dst, ByteBuffer src) {
    checkUsable();
    refuseWhileCapturing("upload");
    memory.view(dst, src.remaining(), "upload").put(src.duplicate());
  }

  @Override
  public void download(ByteBuffer dst, long src) {
    checkUsable();
    refuseWhileCapturing("download");
    dst.duplicate().put(memory.view(src, dst.remaining(), "download"));
    downloads++;
    downloadBytes += dst.remaining();
  }

  @Override
  public void copy(long dst, long dstPitch, long src, long srcPitch, long widthBytes, long rows) {
    checkUsable();
    refuseWhileCapturing("copy");
    if (widthBytes > srcPitch && rows > 1 || widthBytes > dstPitch && rows > 1) {
      throw new IllegalArgumentException("EmulatedDriver.copy: width " + widthBytes
          + " is wider than a pitch (" + srcPitch + ", " + dstPitch + ")");
    }
    for (long r = 0; r < rows; r++) {
      ByteBuffer from = memory.view(src + r * srcPitch, widthBytes, "copy from");
      memory.view(dst + r * dstPitch, widthBytes, "copy to").put(from);
    }
  }

  @Override
  public void awaitCallerStream() {
    checkUsable();
    streamJoins++;
  }

  @Override
  public void releaseToCallerStream() {
    checkUsable();
    streamJoins++;
  }

  @Override
  public int deviceOf(long address) {
    checkOpen();
    return address != 0 && memory.isValidPointer(address) ? 0 : -1;
  }

  @Override
  public void zero(long ptr, long bytes) {
    checkUsable();
    ZeroStep step = new ZeroStep(ptr, bytes);
    memory.view(ptr, bytes, "zero"); // checks the range now, when the caller's stack says why
    if (recording != null) {
      recording.add(step);
    } else {
      run(step);
    }
  }

  @Override
  public Map<String, Object> load(byte[] image, List<String> kernelNames) {
    checkUsable();
    String hash = EmuToolchain.hash(image);
    Map<String, Kernel> kernels = modules.get(hash);
    if (kernels == null) {
      Path so = EmuToolchain.cached(hash, "-module.so");
      EmuToolchain.publish(so, image);
      String[] reply = command("O " + so, Duration.ofSeconds(30), "load").split(" ");
      kernels = new LinkedHashMap<>();
      int module = Integer.parseInt(reply[1]);
      for (int i = 2; i < reply.length; i++) {
        String[] nameSig = reply[i].split(":", -1);
        kernels.put(nameSig[0], new Kernel(module, i - 2, nameSig[0], nameSig[1]));
      }
      modules.put(hash, kernels);
    }
    Map<String, Object> handles = new LinkedHashMap<>();
    for (String name : kernelNames) {
      Kernel k = kernels.get(name);
      if (k == null) {
        throw Errors.of(ErrorCode.KERNEL_FAILED,
            "the loaded module has no kernel '" + name + "'; it has " + kernels.keySet(),
            "this is an Ember code-generation bug: the kernel names asked for must match the"
                + " generated source");
      }
      handles.put(name, k);
    }
    return handles;
  }

  @Override
  public void launch(Object kernel, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {
    checkUsable();
    if (!(kernel instanceof Kernel k)) {
      throw new IllegalArgumentException("EmulatedDriver.launch: " + kernel
          + " is not a kernel handle from this driver's load()");
    }
    checkArgTypes(k, args);
    if (sharedBytes > maxSharedBytes()) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "kernel '" + k.name() + "' asks for " + sharedBytes
          + " bytes of dynamic shared memory, more than a block may opt in to on sm_" + major
          + minor + " (" + maxSharedBytes() + ")",
          "this is an Ember code-generation or launch bug: report it with this message");
    }
    LaunchStep step = new LaunchStep(k, grid, block, sharedBytes, args.clone());
    if (recording != null) {
      recording.add(step);
    } else {
      run(step);
      launches++;
    }
  }

  @Override
  public void synchronize() {
    checkUsable();
    refuseWhileCapturing("synchronize");
  }

  @Override
  public void beginCapture() {
    checkUsable();
    if (recording != null) {
      throw new IllegalStateException("EmulatedDriver: beginCapture while already capturing");
    }
    recording = new ArrayList<>();
  }

  @Override
  public Object endCapture() {
    checkUsable();
    if (recording == null) {
      throw new IllegalStateException("EmulatedDriver: endCapture without beginCapture");
    }
    Graph g = new Graph(recording);
    recording = null;
    return g;
  }

  @Override
  public void replay(Object graph) {
    checkUsable();
    Graph g = graphOf(graph);
    if (recording != null) {
      recording.addAll(g.steps); // a graph launched into a capture becomes part of it
      return;
    }
    for (Step s : g.steps) {
      run(s);
    }
    replays++;
  }

  @Override
  public void destroyGraph(Object graph) {
    checkOpen();
    graphOf(graph).destroyed = true;
  }

  @Override
  public long freeBytes() {
    checkOpen();
    return memory.freeBytes();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      runner.close();
    } finally {
      memory.close();
    }
  }

  private void run(Step step) {
    if (step instanceof ZeroStep z) {
      ByteBuffer view = memory.view(z.pointer(), z.bytes(), "zero");
      byte[] zeros = new byte[(int) Math.min(1 << 16, z.bytes())];
      while (view.hasRemaining()) {
        view.put(zeros, 0, Math.min(zeros.length, view.remaining()));
      }
      return;
    }
    LaunchStep l = (LaunchStep) step;
    if (profiling) {
      profiled.add(l.kernel().name());
    }
    String where = "kernel '" + l.kernel().name() + "' (grid " + l.grid() + ", block "
        + l.block() + ", " + l.shared() + " bytes of dynamic shared memory)";
    StringBuilder cmd = new StringBuilder("L ").append(hex(l.kernel().module())).append(' ')
        .append(hex(l.kernel().index()));
    for (Dim3 d : List.of(l.grid(), l.block())) {
      cmd.append(' ').append(hex(d.x())).append(' ').append(hex(d.y())).append(' ')
          .append(hex(d.z()));
    }
    cmd.append(' ').append(hex(l.shared()));
    for (int i = 0; i < l.args().length; i++) {
      cmd.append(' ').append(encodeArg(l, i, where));
    }
    String reply = command(cmd.toString(), launchTimeout, where);
    if (!reply.equals("ok")) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, where + " failed: " + reply.substring(4),
          "this is an Ember code-generation or launch bug: report it with this message");
    }
  }

  private String encodeArg(LaunchStep l, int i, String where) {
    Object a = l.args()[i];
    if (a instanceof Float f) {
      return Integer.toHexString(Float.floatToRawIntBits(f));
    }
    if (a instanceof Integer n) {
      return Integer.toHexString(n);
    }
    long v = (Long) a;
    if (l.kernel().letters().charAt(i) == 'p' && !memory.isValidPointer(v)) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, where + ": argument " + i + " is pointer 0x"
          + Long.toHexString(v) + ", " + memory.describe(v),
          "this is an Ember bug (a buffer used after free, or a pointer of another device)");
    }
    return Long.toHexString(v);
  }

  private static void checkArgTypes(Kernel k, Object[] args) {
    String letters = k.letters();
    boolean ok = args.length == letters.length();
    for (int i = 0; ok && i < args.length; i++) {
      char c = letters.charAt(i);
      ok = (c == 'p' || c == 'l') ? args[i] instanceof Long
          : c == 'i' ? args[i] instanceof Integer : args[i] instanceof Float;
    }
    if (!ok) {
      List<String> got = new ArrayList<>();
      for (Object a : args) {
        got.add(a == null ? "null" : a.getClass().getSimpleName());
      }
      throw new IllegalArgumentException("EmulatedDriver.launch: kernel '" + k.name()
          + "' takes (" + letters + ": p pointer, l long long, i int, f float) but got " + got);
    }
  }

  /** Sends a command; a dead runner (fault, crash, hang) makes the device fail for good. */
  private String command(String cmd, Duration timeout, String where) {
    try {
      String reply = runner.call(cmd, timeout);
      if (!cmd.startsWith("L ") && !reply.startsWith("ok")) {
        throw new IllegalStateException("emulator runner refused '" + where + "': " + reply);
      }
      return reply;
    } catch (EmuRunnerProcess.Died d) {
      failure = d.fault == null ? where + ": " + d.getMessage() : describeFault(where, d.fault);
      throw Errors.of(ErrorCode.KERNEL_FAILED, failure,
          "this is an Ember code-generation bug (an out-of-bounds access or a kernel that never"
              + " ends): report it with this message");
    }
  }

  /**
   * "addr signal kernel block (..) thread (..)" from the runner, told in allocation terms; with
   * " -- why" when a kernel module stopped the device itself (an emulated PTX rule broken).
   */
  private String describeFault(String where, String fault) {
    int reason = fault.indexOf(" -- ");
    if (reason >= 0) {
      String[] parts = fault.substring(0, reason).split(" ", 4);
      return where + " failed" + (parts.length > 3 ? " in " + parts[3] : "") + ": "
          + fault.substring(reason + 4);
    }
    String[] parts = fault.split(" ", 4);
    long address = Long.parseUnsignedLong(parts[0], 16);
    String at = parts.length > 3 ? " in " + parts[3] : "";
    return where + " faulted with " + parts[1] + at + " accessing 0x" + parts[0] + ", "
        + memory.describe(address);
  }

  private Graph graphOf(Object graph) {
    if (!(graph instanceof Graph g)) {
      throw new IllegalArgumentException("EmulatedDriver: " + graph + " is not a graph from"
          + " this driver's endCapture()");
    }
    if (g.destroyed) {
      throw new IllegalStateException("EmulatedDriver: graph used after destroyGraph");
    }
    return g;
  }

  private void refuseWhileCapturing(String op) {
    if (recording != null) {
      throw new IllegalStateException("EmulatedDriver: " + op + " during graph capture; a"
          + " captured CUDA graph may hold only kernel launches and memsets");
    }
  }

  private void checkUsable() {
    checkOpen();
    if (failure != null) {
      throw Errors.of(ErrorCode.KERNEL_FAILED,
          "the emulated device failed earlier and is unusable, as a CUDA context after a fault: "
              + failure, "close this driver and open a new one");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("EmulatedDriver is closed");
    }
  }

  private static String hex(long v) {
    return Long.toHexString(v);
  }
}
