package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import java.util.List;

/**
 * A node without a CUDA kernel, run on its reference kernel (the OpDef's evaluate, as the
 * interpreter runs it) between two device steps. An input the host already holds is not copied:
 * graph inputs, initializers, static shapes and earlier host steps' outputs (seen through views);
 * only values computed on the device come down. An output goes up to its device buffer only when
 * a device step or the graph's outputs read it.
 */
record HostStep(Node node, List<In> inputs, List<Out> outputs, String label) {
  HostStep {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** Where one input comes from. */
  sealed interface In {}

  /** An omitted optional input (the kernel sees null). */
  record Omitted() implements In {}

  /** Copied down from device buffer {@code buffer}: {@code dtype} elements of {@code shape}. */
  record FromDevice(int buffer, DType dtype, int[] shape) implements In {
    long bytes() {
      return Shapes.numel(shape) * CudaTypes.size(dtype);
    }
  }

  /** A graph input or an earlier host step's output {@code value}, seen with {@code shape}. */
  record FromCall(String value, int[] shape) implements In {}

  /** A tensor fixed when the program is generated: an initializer or a static shape. */
  record Fixed(Tensor tensor) implements In {}

  /**
   * Output {@code value} of {@code dtype} and {@code shape}; copied up to device buffer {@code
   * buffer} when {@code buffer >= 0}, else read by later host steps only.
   */
  record Out(String value, DType dtype, int[] shape, int buffer) {
    boolean toDevice() {
      return buffer >= 0;
    }

    long bytes() {
      return Shapes.numel(shape) * CudaTypes.size(dtype);
    }
  }

  /** Bytes copied device to host per call. */
  long downloadBytes() {
    long n = 0;
    for (In in : inputs) {
      if (in instanceof FromDevice d) {
        n += d.bytes();
      }
    }
    return n;
  }

  /** Bytes copied host to device per call. */
  long uploadBytes() {
    long n = 0;
    for (Out o : outputs) {
      if (o.toDevice()) {
        n += o.bytes();
      }
    }
    return n;
  }
}
