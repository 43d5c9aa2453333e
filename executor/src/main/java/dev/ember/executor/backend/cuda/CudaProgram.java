package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A lowered graph as the device runs it: the generated CUDA C ({@link #source}), the device
 * buffers it needs, and the steps of one forward pass in order. Values live in buffers; a view
 * shares its source's buffer. Steps name buffers by index, so one program can run on buffers
 * owned by a captured variant or borrowed from the device's scratch pool. Kernels that find bad
 * input (an out-of-range gather index) write their 1-based code into {@code errorBuffer};
 * {@code errorSources} names the step of each code.
 */
public record CudaProgram(
    String source,
    List<String> kernelNames,
    List<Buffer> buffers,
    Map<String, Integer> bufferOf,
    List<Step> steps,
    List<String> inputs,
    List<String> outputs,
    Map<String, int[]> outputShapes,
    int errorBuffer,
    List<String> errorSources) {

  public CudaProgram {
    kernelNames = List.copyOf(kernelNames);
    buffers = List.copyOf(buffers);
    bufferOf = Map.copyOf(bufferOf);
    steps = List.copyOf(steps);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    outputShapes = Map.copyOf(outputShapes);
    errorSources = List.copyOf(errorSources);
  }

  /** The step that sets error code {@code code} (1-based) in the error buffer. */
  public String errorSource(int code) {
    return code >= 1 && code <= errorSources.size() ? errorSources.get(code - 1)
        : "a kernel (error code " + code + ")";
  }

  /** Where a buffer's memory comes from. */
  public enum Kind {
    /** A graph input, uploaded before every run. */
    INPUT,
    /** An initializer, uploaded once per device and shared by every variant ({@link #weight}). */
    WEIGHT,
    /** Intermediate values of the run (arena slots). */
    SCRATCH,
    /** A graph output, downloaded after every run. */
    OUTPUT,
    /** A value fixed at compile time (a static shape), uploaded once per variant. */
    CONSTANT,
    /** One int the kernels set when an input is out of range (Gather indices). */
    ERROR
  }

  /**
   * One device buffer: its kind, element type and size; {@code weight} is the initializer tensor
   * of a WEIGHT buffer, {@code constant} the contents of a CONSTANT one.
   */
  public record Buffer(String name, Kind kind, DType dtype, long bytes, Tensor weight,
      Tensor constant) {}

  /** One kernel argument: a buffer address (plus a byte offset) or a scalar. */
  public sealed interface Arg {}

  /** The address of buffer {@code index}, plus {@code offset} bytes. */
  public record BufferArg(int index, long offset) implements Arg {}

  /** A scalar argument: Integer, Long or Float, matching the kernel's parameter type. */
  public record ScalarArg(Object value) implements Arg {}

  /** One step of a forward pass. */
  public sealed interface Step {
    /** What the step computes, for logs and errors (node names). */
    String label();
  }

  /** A launch of generated kernel {@code kernel}. */
  public record Launch(String kernel, GpuDriver.Dim3 grid, GpuDriver.Dim3 block, int sharedBytes,
      List<Arg> args, String label) implements Step {
    public Launch {
      args = List.copyOf(args);
    }
  }

  /** A GEMM, run by whichever {@link GpuGemm} the backend chose; {@code bias} may be null. */
  public record Gemm(GemmShape shape, BufferArg a, BufferArg b, BufferArg c, BufferArg bias,
      String label) implements Step {}

  /**
   * A node the device has no kernel for, run on the host in stream order ({@link HostStep}).
   */
  public record Host(HostStep step) implements Step {
    @Override
    public String label() {
      return step.label();
    }
  }

  /** True when some step runs on the host (such a program is never captured as a CUDA graph). */
  public boolean hasHostSteps() {
    return steps.stream().anyMatch(s -> s instanceof Host);
  }
}
