package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.LoweredGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled cpu-janino variant: the generated program, its source and artifacts, and what the
 * lowering decided per node. Thread-safe; each call allocates only its outputs (plus, for
 * symbolic shapes, a few small shape arrays and fallback results).
 */
public final class CpuVariant implements CompiledVariant {
  private final VariantKey key;
  private final String source;
  private final CpuProgram program;
  private final String[] inputs;
  private final String[] outputs;
  private final VariantArtifacts artifacts;
  private final LoweredGraph lowered;
  private final Map<String, Integer> methodSizes;
  private final String gemm;

  CpuVariant(VariantKey key, String source, CpuProgram program, List<String> inputs,
      List<String> outputs, VariantArtifacts artifacts, LoweredGraph lowered,
      Map<String, Integer> methodSizes, String gemm) {
    this.key = key;
    this.source = source;
    this.program = program;
    this.inputs = inputs.toArray(new String[0]);
    this.outputs = outputs.toArray(new String[0]);
    this.artifacts = artifacts;
    this.lowered = lowered;
    this.methodSizes = Map.copyOf(methodSizes);
    this.gemm = gemm;
  }

  @Override
  public VariantKey key() {
    return key;
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> feeds) {
    Tensor[] in = new Tensor[inputs.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = feeds.get(inputs[i]);
      if (in[i] == null) {
        throw Errors.of(ErrorCode.BAD_INPUT, "input '" + inputs[i] + "' is missing; given: "
            + feeds.keySet(), "feed every graph input");
      }
    }
    Tensor[] out;
    try {
      out = program.run(in);
    } catch (EmberException e) {
      throw e;
    } catch (OutOfMemoryError e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "cpu-janino variant " + key.inputShapes()
          + " ran out of memory", "use smaller batches or give the JVM more heap (-Xmx)", e);
    } catch (RuntimeException e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "cpu-janino variant for " + key.inputShapes()
          + " failed with " + e, "check that the inputs match the variant's key; if they do, "
          + "report this as an Ember bug", e);
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (int i = 0; i < outputs.length; i++) {
      result.put(outputs[i], out[i]);
    }
    return result;
  }

  @Override
  public VariantArtifacts artifacts() {
    return artifacts;
  }

  /** How the graph was partitioned, and why each fallback node was not generated. */
  public LoweredGraph lowered() {
    return lowered;
  }

  /** Bytecode bytes per generated method ("Class.method" to size). */
  public Map<String, Integer> methodSizes() {
    return methodSizes;
  }

  /** The GEMM this variant calls. */
  public String gemm() {
    return gemm;
  }
}
