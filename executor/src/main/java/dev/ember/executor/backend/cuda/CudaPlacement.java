package dev.ember.executor.backend.cuda;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.lower.LoweredGraph;

/**
 * Where {@code spark.ember.device=auto} runs one static-shape variant on a CUDA executor: all on
 * the GPU, on the GPU with host steps for the ops without CUDA kernels, or all on the CPU backend
 * (shapes the device cannot take, or host steps that would cost more than they save, {@link
 * HostStepCost}). Deciding generates the CUDA program (no compiler runs); {@code program} is it,
 * null for the CPU.
 */
record CudaPlacement(Where where, String reason, CudaProgram program, HostStepCost cost) {
  /** The three outcomes. */
  enum Where {
    GPU,
    GPU_WITH_HOST_STEPS,
    CPU
  }

  /**
   * Decides for {@code graph}, fused attention on tensor cores at {@code tensorCoreAttention}
   * (null: float32); never throws for a graph the CPU backend can run.
   */
  static CudaPlacement decide(Graph graph, GemmPrecision tensorCoreAttention) {
    LoweredGraph lowered = CudaBackend.lower(graph);
    CudaProgram program;
    try {
      program = new CudaCodegen(lowered, true, tensorCoreAttention).generate();
    } catch (EmberException e) {
      if (e.code() != ErrorCode.UNSUPPORTED_OP) {
        throw e;
      }
      return new CudaPlacement(Where.CPU, e.getMessage(), null, null);
    } catch (IllegalStateException | IllegalArgumentException e) {
      return new CudaPlacement(Where.CPU, "the CUDA code generator cannot take graph '"
          + graph.name() + "': " + e.getMessage(), null, null);
    }
    if (!program.hasHostSteps()) {
      return new CudaPlacement(Where.GPU, "every op has a CUDA kernel", program, null);
    }
    HostStepCost cost = HostStepCost.of(lowered, program);
    String ops = HostStepCost.opCounts(lowered);
    if (cost.hostStepsPay()) {
      return new CudaPlacement(Where.GPU_WITH_HOST_STEPS, "ops without CUDA kernels run on the"
          + " host between device steps: " + ops + " (" + cost.why() + ")", program, cost);
    }
    return new CudaPlacement(Where.CPU, "ops without CUDA kernels (" + ops + ") would cost more"
        + " in host steps than the GPU saves: " + cost.why(), null, cost);
  }

  /** One line: where and why. */
  String describe() {
    return switch (where) {
      case GPU -> "all on the GPU (" + reason + ")";
      case GPU_WITH_HOST_STEPS -> "GPU with host steps; " + reason;
      case CPU -> "whole model on the CPU (cpu-janino): " + reason;
    };
  }
}
