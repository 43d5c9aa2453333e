package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntToLongFunction;

/**
 * Runs a program's {@link HostStep}s for one variant: inputs from the call, the program or the
 * device, the node's reference kernel as the interpreter runs it, outputs up to the device. Used
 * under the device lock only; one call at a time ({@link #beginCall} to {@link #endCall}).
 */
final class HostRunner {
  private final GpuDriver driver;
  private final Map<Node, OpDef> ops = new IdentityHashMap<>();
  private final String opList;

  // Per call, under the device lock.
  private Map<String, Tensor> callInputs = Map.of();
  private final Map<String, Tensor> results = new HashMap<>();
  private final List<ByteBuffer> uploads = new ArrayList<>();

  HostRunner(CudaProgram program, GpuDriver driver) {
    this.driver = driver;
    Map<String, Integer> counts = new TreeMap<>();
    for (CudaProgram.Step s : program.steps()) {
      if (s instanceof CudaProgram.Host h) {
        Node n = h.step().node();
        ops.put(n, OpRegistry.standard().lookup(n));
        counts.merge(n.opType(), 1, Integer::sum);
      }
    }
    this.opList = counts.toString();
  }

  /** The host ops by type, for logs. */
  String ops() {
    return opList;
  }

  /** Starts a call on {@code inputs} (the graph inputs host steps may read). */
  void beginCall(Map<String, Tensor> inputs) {
    callInputs = inputs;
    results.clear();
    uploads.clear();
  }

  /** Ends a call once the stream has passed its uploads, so their buffers can go. */
  void endCall() {
    callInputs = Map.of();
    results.clear();
    uploads.clear();
  }

  /** Runs {@code h} in stream order; {@code address} maps a buffer index to its device address. */
  void run(HostStep h, IntToLongFunction address) {
    List<Tensor> ins = new ArrayList<>(h.inputs().size());
    for (HostStep.In in : h.inputs()) {
      ins.add(input(in, address));
    }
    Node n = h.node();
    List<Tensor> outs = Interpreter.invoke(ops.get(n), n, ins);
    for (HostStep.Out o : h.outputs()) {
      Tensor t = outs.get(n.outputs().indexOf(o.value()));
      if (t.dtype() != o.dtype() || !Arrays.equals(t.shape(), o.shape())) {
        throw Errors.atNode(ErrorCode.SHAPE_MISMATCH, n.describe(), "output '" + o.value()
            + "' is " + t + " but the CUDA program planned " + o.dtype() + " "
            + Arrays.toString(o.shape()), "run this model with spark.ember.device=cpu and"
            + " report the model as an Ember bug", null);
      }
      results.put(o.value(), t);
      if (o.toDevice()) {
        ByteBuffer b = DeviceData.toDevice(t);
        uploads.add(b); // kept until the stream has copied it
        driver.upload(address.applyAsLong(o.buffer()), b);
      }
    }
  }

  private Tensor input(HostStep.In in, IntToLongFunction address) {
    if (in instanceof HostStep.Fixed f) {
      return f.tensor();
    }
    if (in instanceof HostStep.FromCall c) {
      Tensor t = results.containsKey(c.value()) ? results.get(c.value())
          : callInputs.get(c.value());
      return Arrays.equals(t.shape(), c.shape()) ? t : t.reshape(c.shape());
    }
    if (in instanceof HostStep.FromDevice d) {
      ByteBuffer b = DeviceData.direct(d.bytes()).limit((int) d.bytes());
      if (d.bytes() > 0) {
        driver.download(b, address.applyAsLong(d.buffer()));
      }
      return DeviceData.fromDevice(b, d.dtype(), d.shape());
    }
    return null; // omitted
  }
}
