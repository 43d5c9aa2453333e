package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaProgram.Kind;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.lower.Kernel;
import java.util.ArrayList;
import java.util.List;

/** Turns a fallback kernel into a {@link HostStep}: where its inputs come from and outputs go. */
final class HostStepEmitter {
  private final CudaCodegen gen;
  private final HostValues values;

  HostStepEmitter(CudaCodegen gen, HostValues values) {
    this.gen = gen;
    this.values = values;
  }

  HostStep emit(Kernel.Fallback f, String label) {
    Node n = f.node();
    List<HostStep.In> ins = new ArrayList<>();
    for (String in : n.inputs()) {
      ins.add(in.isEmpty() ? new HostStep.Omitted() : input(in));
    }
    List<HostStep.Out> outs = new ArrayList<>();
    for (String out : n.outputs()) {
      if (out.isEmpty()) {
        continue;
      }
      TensorType t = gen.graph().typeOf(out);
      int buffer = -1;
      if (values.neededOnDevice(out)) {
        buffer = gen.add(out, gen.isGraphOutput(out) ? Kind.OUTPUT : Kind.SCRATCH, t.dtype(),
            CudaCodegen.bytes(t), null, null);
        gen.place(out, buffer);
      }
      outs.add(new HostStep.Out(out, t.dtype(), gen.dims(out), buffer));
    }
    return new HostStep(n, ins, outs, label);
  }

  private HostStep.In input(String v) {
    int[] shape = gen.dims(v);
    String root = values.root(v);
    if (values.isGraphInput(root) || values.producer(root) instanceof Kernel.Fallback) {
      return new HostStep.FromCall(root, shape);
    }
    if (values.isInitializer(root)) {
      return new HostStep.Fixed(gen.graph().initializers().get(root).reshape(shape));
    }
    if (values.producer(root) instanceof Kernel.ShapeOf s) {
      return new HostStep.Fixed(gen.shapeConstant(s).reshape(shape));
    }
    // Computed on the device: copied down.
    return new HostStep.FromDevice(gen.bufferFor(v), gen.graph().typeOf(v).dtype(), shape);
  }
}
