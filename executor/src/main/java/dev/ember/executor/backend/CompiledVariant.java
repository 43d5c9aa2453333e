package dev.ember.executor.backend;

import dev.ember.executor.ir.Tensor;
import java.util.Map;

/**
 * One compiled, immutable form of a model's forward: what it was compiled for ({@link #key}),
 * the source that runs ({@link #source}, for the transformed-code dump), and its entry point
 * ({@link #run}). {@code run} is safe to call from many threads at once and allocates nothing per
 * call beyond its outputs (scratch memory comes from per-thread arenas).
 */
public interface CompiledVariant {
  VariantKey key();

  /** The generated source, readable; for the interpreter, a dump of the graph it walks. */
  String source();

  /** Runs the variant without guard checks: the caller guarantees inputs match {@link #key}. */
  Map<String, Tensor> run(Map<String, Tensor> inputs);

  /** What can be saved to the compile cache so a later start can skip compilation. */
  VariantArtifacts artifacts();
}
