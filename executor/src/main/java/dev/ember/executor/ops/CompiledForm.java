package dev.ember.executor.ops;

/**
 * What the compiled backends make of an op's nodes when the lowering takes them (float tensors of
 * known rank; other nodes fall back as for {@link #REFERENCE}). {@code docs/supported-ops.md} has
 * a column per backend from it; {@code CompiledFormTest} checks each declaration against what the
 * lowering does with the ONNX node tests.
 */
public enum CompiledForm {
  /** Computed inside a generated fused elementwise loop (the op is a {@link FusedElementwise}). */
  FUSED_LOOP("fused loop", "fused loop"),
  /** A generated kernel of its own: GEMM, gather, transpose, or a row kernel (softmax, norms). */
  OWN_KERNEL("own kernel", "own kernel"),
  /** No work: the output shares the input's buffer (reshapes) or is a constant (Shape). */
  VIEW("view, no copy", "view, no copy"),
  /**
   * No generated code: compiled CPU code calls the reference kernel; the CUDA backend refuses the
   * graph with UNSUPPORTED_OP.
   */
  REFERENCE("reference kernel", "refused");

  private final String cpu;
  private final String cuda;

  CompiledForm(String cpu, String cuda) {
    this.cpu = cpu;
    this.cuda = cuda;
  }

  /** The supported-ops page's cell for compiled CPU code. */
  public String cpuCell() {
    return cpu;
  }

  /** The supported-ops page's cell for the CUDA backend. */
  public String cudaCell() {
    return cuda;
  }
}
