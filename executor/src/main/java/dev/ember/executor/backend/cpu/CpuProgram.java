package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.cpu.gemm.Gemm;
import dev.ember.executor.ir.Tensor;

/**
 * The base class of every generated kernel class. The generated constructor takes the constants
 * (in the order the code generator listed them) and the runtime; {@link #run} hands each thread
 * its own {@link Frame} and the generated {@link #body} fills in the outputs.
 */
public abstract class CpuProgram {
  protected final CpuRuntime rt;
  protected final Gemm gemm;
  private final ThreadLocal<Frame> frames;
  private final int outputs;

  protected CpuProgram(CpuRuntime rt, int frameSize, int outputs) {
    this.rt = rt;
    this.gemm = rt.gemm();
    this.frames = ThreadLocal.withInitial(() -> new Frame(frameSize));
    this.outputs = outputs;
  }

  /** Runs the program: {@code inputs} in graph-input order; returns outputs in graph order. */
  public final Tensor[] run(Tensor[] inputs) {
    Frame f = frames.get();
    f.a = Arena.current();
    f.out = new Tensor[outputs];
    System.arraycopy(inputs, 0, f.t, 0, inputs.length);
    try {
      body(f);
      return f.out;
    } finally {
      f.clear();
    }
  }

  /** The generated forward pass. */
  protected abstract void body(Frame f);
}
