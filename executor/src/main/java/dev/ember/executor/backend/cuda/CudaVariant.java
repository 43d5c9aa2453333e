package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.backend.DeviceVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.CudaProgram.Arg;
import dev.ember.executor.backend.cuda.CudaProgram.Buffer;
import dev.ember.executor.backend.cuda.CudaProgram.BufferArg;
import dev.ember.executor.backend.cuda.CudaProgram.Kind;
import dev.ember.executor.backend.cuda.CudaProgram.ScalarArg;
import dev.ember.executor.backend.cuda.CudaProgram.Step;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled program on one device. Its non-weight buffers are laid out in one block: a captured
 * variant (compile level 3, graphs on, within the graph-memory budget) owns that block and
 * records its steps once into a CUDA graph, replayed for every call after its inputs are copied
 * into the block; any other variant borrows the device's scratch area and enqueues its steps each
 * call. Either way a call holds the device for upload, run and download, so concurrent tasks
 * never see each other's buffers; a call is one copy up from pinned memory, one replay and one
 * copy down ({@link BlockLayout}). A program with host steps ({@link HostStep}) is never captured:
 * each host step copies its inputs down, runs the node's reference kernel and copies its outputs
 * up, in stream order with the device steps.
 *
 * <p>{@link #runOnDevice} is the same call without the host: inputs copied device to device from
 * memory the caller names (a cudf column's data), outputs copied device to device to memory the
 * caller owns, and only the 4-byte error flag read back ({@link DeviceVariant}).
 */
final class CudaVariant implements DeviceVariant {
  private static final Logger LOG = LoggerFactory.getLogger(CudaVariant.class);

  private final VariantKey key;
  private final CudaProgram program;
  private final CudaDevice device;
  private final GemmRoutes routes;
  private final Map<String, Object> kernels;
  private final VariantArtifacts artifacts;
  private final BlockLayout layout;
  private final long blockBytes;
  private final boolean wantsGraph;
  private final long graphLimit;
  private final HostRunner host;
  /** Per GEMM step whose route reads B in 16 bits, its copy's address ({@link #uploadWeights}). */
  private final Map<CudaProgram.Gemm, Long> halfBs = new IdentityHashMap<>();

  // Guarded by the device lock.
  private HostStaging staging;
  private long ownBlock;
  private Object graph;
  private boolean graphRefused;
  private int replays;
  private ByteBuffer flagHost; // runOnDevice's 4-byte read of the error flag, made once

  CudaVariant(VariantKey key, CudaProgram program, CudaDevice device, GemmRoutes routes,
      byte[] image, VariantArtifacts artifacts, CudaOptions options) {
    this.key = key;
    this.program = program;
    this.device = device;
    this.routes = routes;
    this.artifacts = artifacts;
    this.layout = new BlockLayout(program);
    this.blockBytes = layout.bytes();
    this.host = program.hasHostSteps() ? new HostRunner(program, device.driver()) : null;
    boolean capture = options.graphs() && key.options().containsKey("capture");
    if (capture && host != null) {
      LOG.info("{}: no CUDA graph: host steps ({}) copy between device steps; it runs launch by"
          + " launch", key.options().get("capture"), host.ops());
    }
    this.wantsGraph = capture && host == null;
    this.graphLimit = options.graphMemoryBytes();
    this.kernels = device.exclusive(() -> {
      Map<String, Object> k = program.kernelNames().isEmpty() ? Map.of()
          : device.driver().load(image, program.kernelNames());
      uploadWeights(); // uploads happen here, never inside a capture
      return k;
    });
    if (wantsGraph) {
      // Eager: a level-3 variant is captured as soon as it is compiled.
      device.exclusive(() -> {
        capture();
        return null;
      });
    }
  }


  @Override
  public VariantKey key() {
    return key;
  }

  @Override
  public String source() {
    return program.source();
  }

  @Override
  public VariantArtifacts artifacts() {
    return artifacts;
  }

  /** True once this variant runs by replaying a captured CUDA graph. */
  boolean captured() {
    return device.exclusive(() -> graph != null);
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    return device.exclusive(() -> runLocked(inputs));
  }

  private Map<String, Tensor> runLocked(Map<String, Tensor> inputs) {
    long base = prepare(inputs);
    if (graph != null) {
      replays++;
    }
    pass(base);
    // One copy down: the error flag and every output (BlockLayout puts them side by side).
    if (layout.downloadBytes() > 0) {
      device.driver().download(staging.down(layout.downloadBytes()),
          base + layout.downloadStart());
    }
    checkErrorFlag(staging.flag());
    if (host != null) {
      host.endCall(); // the download above waited for the stream: its uploads are done
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : program.outputs()) {
      int idx = program.bufferOf().get(name);
      Buffer b = program.buffers().get(idx);
      ByteBuffer host = staging.output(name);
      if (host == null) { // a folded constant: it lives with the weights
        long n = BlockLayout.outputBytes(program, name);
        host = DeviceData.direct(n).limit((int) n);
        if (n > 0) {
          device.driver().download(host, address(base, idx));
        }
      }
      out.put(name, DeviceData.fromDevice(host, b.dtype(), program.outputShapes().get(name)));
    }
    return out;
  }

  @Override
  public String deviceRunRefusal() {
    if (host != null) {
      return "host steps (" + host.ops() + ") read the variant's inputs on the host";
    }
    for (String name : program.inputs()) {
      List<Long> dims = key.inputShapes().get(name);
      if (dims == null || dims.isEmpty() || dims.get(0) != batchRows()) {
        return "input '" + name + "' has no leading batch dimension " + dims;
      }
    }
    for (String name : program.outputs()) {
      int[] shape = program.outputShapes().get(name);
      if (shape.length == 0 || shape[0] != batchRows()) {
        return "output '" + name + "' has no leading batch dimension";
      }
    }
    return null;
  }

  @Override
  public int batchRows() {
    List<Long> dims = key.inputShapes().get(program.inputs().get(0));
    return dims == null || dims.isEmpty() ? 1 : Math.toIntExact(dims.get(0));
  }

  @Override
  public long outputRowBytes(String name) {
    return BlockLayout.outputBytes(program, name) / batchRows();
  }

  @Override
  public void runOnDevice(int rows, Map<String, List<DeviceSlice>> inputs,
      Map<String, Long> outputs) {
    String refusal = deviceRunRefusal();
    if (refusal != null) {
      throw new IllegalStateException(key.options().get("capture") + ": cannot run on device"
          + " memory: " + refusal);
    }
    if (rows < 1 || rows > batchRows()) {
      throw new IllegalArgumentException("runOnDevice: " + rows + " rows for a variant of "
          + batchRows());
    }
    device.exclusive(() -> {
      runOnDeviceLocked(rows, inputs, outputs);
      return null;
    });
  }

  private void runOnDeviceLocked(int rows, Map<String, List<DeviceSlice>> inputs,
      Map<String, Long> outputs) {
    device.checkOpen();
    GpuDriver d = device.driver();
    for (String name : program.inputs()) {
      checkSlices(name, inputs.get(name));
    }
    for (String name : program.outputs()) {
      if (outputs.get(name) == null) {
        throw new IllegalArgumentException("runOnDevice: no destination for output '" + name
            + "'");
      }
    }
    long first = inputs.get(program.inputs().get(0)).get(0).address();
    int owner = d.deviceOf(first);
    if (owner != device.info().ordinal()) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "the input column at 0x"
          + Long.toHexString(first) + " is in the memory of " + (owner < 0 ? "no CUDA device"
              : "cuda:" + owner) + ", but Ember runs on " + device.info(),
          "give the executor one gpu resource (both use its first address), or set"
              + " spark.ember.cuda.deviceOrdinal to the GPU the RAPIDS Accelerator uses");
    }
    long base = callBase();
    d.awaitCallerStream(); // the cudf columns are complete before the copies read them
    int batch = batchRows();
    for (String name : program.inputs()) {
      int idx = program.bufferOf().get(name);
      long rowBytes = inputRowBytes(name);
      long dst = base + layout.offset(idx);
      if (rows < batch) { // padding rows are zeros, as the host path pads
        d.zero(dst + rows * rowBytes, (batch - rows) * rowBytes);
      }
      for (DeviceSlice s : inputs.get(name)) {
        d.copy(dst + s.rowOffsetBytes(), rowBytes, s.address(), s.rowPitchBytes(),
            s.widthBytes(), rows);
      }
    }
    int flag = program.errorBuffer();
    if (flag >= 0) {
      d.zero(base + layout.offset(flag), 4);
    }
    if (graph != null) {
      replays++;
    }
    pass(base);
    for (String name : program.outputs()) {
      long n = outputRowBytes(name) * rows;
      d.copy(outputs.get(name), n, address(base, program.bufferOf().get(name)), n, n, 1);
    }
    if (flag >= 0) {
      if (flagHost == null) {
        flagHost = d.hostBuffer(4);
      }
      d.download(flagHost.clear().limit(4), base + layout.offset(flag)); // waits for the stream
      checkErrorFlag(flagHost.order(ByteOrder.LITTLE_ENDIAN).getInt(0));
    } else {
      d.releaseToCallerStream(); // cudf's later work waits for the outputs; the host does not
    }
  }

  /** Bytes of one row of input {@code name}. */
  private long inputRowBytes(String name) {
    long n = CudaTypes.size(program.buffers().get(program.bufferOf().get(name)).dtype());
    List<Long> dims = key.inputShapes().get(name);
    for (int i = 1; i < dims.size(); i++) {
      n *= dims.get(i);
    }
    return n;
  }

  /** The slices of input {@code name} must be of its dtype and tile its row exactly. */
  private void checkSlices(String name, List<DeviceSlice> slices) {
    if (slices == null || slices.isEmpty()) {
      throw missingInput(name);
    }
    DType want = program.buffers().get(program.bufferOf().get(name)).dtype();
    List<DeviceSlice> sorted = new ArrayList<>(slices);
    sorted.sort(Comparator.comparingLong(DeviceSlice::rowOffsetBytes));
    long at = 0;
    for (DeviceSlice s : sorted) {
      if (s.dtype() != want) {
        throw Errors.of(ErrorCode.SHAPE_MISMATCH, "input '" + name + "' is " + want
            + " but a device slice of it holds " + s.dtype(),
            "cast the column to the input's type before the call");
      }
      if (s.rowOffsetBytes() != at) {
        throw Errors.of(ErrorCode.SHAPE_MISMATCH, "the device slices of input '" + name
            + "' leave a gap or overlap at byte " + at + " of its " + inputRowBytes(name)
            + "-byte row", "give every row of the input exactly its values");
      }
      at += s.widthBytes();
    }
    if (at != inputRowBytes(name)) {
      throw Errors.of(ErrorCode.SHAPE_MISMATCH, "the device slices of input '" + name
          + "' fill " + at + " bytes of each row, but its rows are " + inputRowBytes(name)
          + " bytes", "give every row of the input exactly its values");
    }
  }

  /**
   * Under the lock: the base of the buffers this call runs on, with {@code inputs} uploaded in
   * one copy together with the cleared error flag (the copy may still be in flight).
   */
  long prepare(Map<String, Tensor> inputs) {
    GpuDriver d = device.driver();
    long base = callBase();
    for (String name : program.inputs()) {
      if (inputs.get(name) == null) { // before any upload: none is left in flight on a throw
        throw missingInput(name);
      }
    }
    if (staging == null) {
      staging = new HostStaging(d, program, layout);
    }
    for (String name : program.inputs()) {
      Tensor t = inputs.get(name);
      int idx = program.bufferOf().get(name);
      long n = DeviceData.deviceBytes(t);
      if (n > program.buffers().get(idx).bytes()) {
        throw Errors.of(ErrorCode.SHAPE_MISMATCH, "input '" + name + "' is " + t + ", larger"
            + " than the variant's buffer for it", "call the variant compiled for its shape");
      }
      DeviceData.toDevice(t, staging.input(name));
    }
    staging.clearFlag();
    if (host != null) {
      host.beginCall(inputs);
    }
    if (layout.uploadBytes() > 0) {
      d.upload(base, staging.up(layout.uploadBytes()));
    }
    return base;
  }

  /**
   * Under the lock: the base of the buffers a call runs on, its own block or the device's shared
   * scratch (with the constants uploaded into it); checks the device is still open.
   */
  private long callBase() {
    device.checkOpen();
    long base = ownBlock != 0 ? ownBlock : device.scratch(blockBytes);
    if (ownBlock == 0) {
      uploadConstants(base);
    }
    return base;
  }

  private EmberException missingInput(String name) {
    return Errors.of(ErrorCode.BAD_INPUT, "input '" + name + "' is missing; the variant takes "
        + program.inputs(), "pass every graph input");
  }

  /** Under the lock: enqueues one forward pass on {@code base}, a graph replay when captured. */
  void pass(long base) {
    if (graph != null) {
      device.driver().replay(graph);
    } else {
      enqueue(base);
    }
  }

  /** Throws BAD_INPUT when a kernel set the error flag (as downloaded with the outputs). */
  private void checkErrorFlag(int code) {
    if (code != 0) {
      String where = program.errorSource(code);
      throw Errors.of(ErrorCode.BAD_INPUT, where + ": an index is outside the rows of the"
          + " table it reads (e.g. a token id beyond the vocabulary)",
          "check the tokenizer matches the model, or the ids fed to it");
    }
  }

  /** Records this variant's steps into a CUDA graph on its own buffers, if the budget allows. */
  private void capture() {
    if (graph != null || graphRefused) {
      return;
    }
    if (!device.reserveGraphMemory(blockBytes, graphLimit)) {
      graphRefused = true;
      LOG.info("{}: no CUDA graph: its {} MiB of buffers would pass spark.ember.cuda.graphMemory"
          + " ({} MiB, {} MiB held); it runs launch by launch", key.options().get("capture"),
          blockBytes >> 20, graphLimit >> 20, device.graphBytes() >> 20);
      return;
    }
    GpuDriver d = device.driver();
    ownBlock = d.alloc(blockBytes);
    d.zero(ownBlock, blockBytes); // the warm-up below reads inputs that hold nothing yet
    uploadConstants(ownBlock);
    // One plain run first: GEMM modules, cuBLAS workspaces and the like load lazily, and loading
    // or allocating is not allowed while a stream is being captured.
    enqueue(ownBlock);
    d.synchronize();
    d.beginCapture();
    try {
      enqueue(ownBlock);
    } catch (RuntimeException e) {
      safeEndCapture(d);
      throw e;
    }
    try {
      graph = d.endCapture();
    } catch (EmberException e) {
      graphRefused = true;
      LOG.warn("{}: CUDA graph capture failed ({}); the variant runs launch by launch",
          key.options().get("capture"), e.getMessage());
    }
  }

  private static void safeEndCapture(GpuDriver d) {
    try {
      d.destroyGraph(d.endCapture());
    } catch (RuntimeException ignored) {
      // the capture is already broken; the original error is the one to report
    }
  }

  private void uploadConstants(long base) {
    for (int i = 0; i < program.buffers().size(); i++) {
      Buffer b = program.buffers().get(i);
      if (b.kind() == Kind.CONSTANT) {
        device.driver().upload(base + layout.offset(i), DeviceData.toDevice(b.constant()));
      }
    }
  }

  private void enqueue(long base) {
    for (Step s : program.steps()) {
      enqueue(base, s);
    }
  }

  /** Under the lock: enqueues step {@code s} alone on the buffers at {@code base}. */
  void enqueue(long base, Step s) {
    if (s instanceof CudaProgram.Launch l) {
      List<Arg> args = l.args();
      Object[] values = new Object[args.size()];
      for (int i = 0; i < values.length; i++) {
        Arg a = args.get(i);
        values[i] = a instanceof BufferArg ba ? (Object) (address(base, ba.index()) + ba.offset())
            : ((ScalarArg) a).value();
      }
      device.driver().launch(kernels.get(l.kernel()), l.grid(), l.block(), l.sharedBytes(),
          values);
    } else if (s instanceof CudaProgram.Host h) {
      host.run(h.step(), buffer -> address(base, buffer));
    } else {
      CudaProgram.Gemm gm = (CudaProgram.Gemm) s;
      long bias = gm.bias() == null ? 0 : address(base, gm.bias().index()) + gm.bias().offset();
      GemmRoute route = routes.get(gm.shape());
      long b = route.readsHalfB() ? halfBs.get(gm)
          : address(base, gm.b().index()) + gm.b().offset();
      route.enqueue(address(base, gm.a().index()) + gm.a().offset(), b,
          address(base, gm.c().index()) + gm.c().offset(), bias);
    }
  }

  /**
   * Uploads the weights the steps read: float32, and a 16-bit copy for each GEMM whose route reads
   * B so ({@link HalfWeights}). A weight that only such GEMMs read is not uploaded as float32.
   */
  private void uploadWeights() {
    Set<Integer> halfOnly = new HashSet<>();
    Set<Integer> asFloat = new HashSet<>();
    for (Step s : program.steps()) {
      if (s instanceof CudaProgram.Launch l) {
        l.args().forEach(a -> {
          if (a instanceof BufferArg ba) {
            asFloat.add(ba.index());
          }
        });
      } else if (s instanceof CudaProgram.Gemm gm) {
        asFloat.add(gm.a().index());
        asFloat.add(gm.c().index());
        if (gm.bias() != null) {
          asFloat.add(gm.bias().index());
        }
        GemmRoute route = routes.get(gm.shape());
        if (route.readsHalfB()) {
          halfBs.put(gm, halfB(gm, route.precision()));
          halfOnly.add(gm.b().index());
        } else {
          asFloat.add(gm.b().index());
        }
      }
    }
    program.outputs().forEach(o -> asFloat.add(program.bufferOf().get(o)));
    for (int i = 0; i < program.buffers().size(); i++) {
      Buffer b = program.buffers().get(i);
      // Host steps may read any buffer: with them every weight stays as float32 too.
      if (b.kind() == Kind.WEIGHT && (!halfOnly.contains(i) || asFloat.contains(i)
          || host != null)) {
        device.weight(b.weight());
      }
    }
  }

  /** The address of the 16-bit copy at {@code p} of GEMM {@code gm}'s B (made on first use). */
  private long halfB(CudaProgram.Gemm gm, GemmPrecision p) {
    Buffer b = program.buffers().get(gm.b().index());
    Tensor t = b.kind() == Kind.WEIGHT ? b.weight() : b.kind() == Kind.CONSTANT ? b.constant()
        : null;
    if (t == null) {
      throw new IllegalStateException(gm.label() + ": B (" + b.name() + ", " + b.kind()
          + ") is not a weight, so its route cannot read it as a 16-bit copy");
    }
    return device.halfWeight(t, gm.b().offset(), gm.shape(), p);
  }

  private long address(long base, int buffer) {
    Buffer b = program.buffers().get(buffer);
    return b.kind() == Kind.WEIGHT ? device.weight(b.weight()) : base + layout.offset(buffer);
  }

  CudaProgram program() {
    return program;
  }

  /** The route each of its GEMM shapes runs on. */
  GemmRoutes gemmRoutes() {
    return routes;
  }

  CudaDevice device() {
    return device;
  }

  /** Graph replays by {@link #run} so far (tests and metrics). */
  int replays() {
    return device.exclusive(() -> replays);
  }

  /** Frees this variant's own buffers, staging buffers and graph. */
  void release() {
    device.exclusive(() -> {
      if (graph != null) {
        device.driver().destroyGraph(graph);
        graph = null;
      }
      if (ownBlock != 0) {
        device.driver().free(ownBlock);
        device.releaseGraphMemory(blockBytes);
        ownBlock = 0;
      }
      if (staging != null) {
        staging.free(device.driver());
        staging = null;
      }
      if (flagHost != null) {
        device.driver().freeHost(flagHost);
        flagHost = null;
      }
      return null;
    });
  }
}
