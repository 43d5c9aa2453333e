package dev.ember.executor.backend;

import dev.ember.executor.ir.Graph;

/**
 * Turns a graph into a runnable {@link CompiledVariant}. The graph may have static shapes (level 1
 * and 3 variants) or symbolic dims such as {@code batch} and {@code seq} (the one level-2 variant);
 * a backend that cannot take symbolic dims says so with an error, never a wrong answer.
 * Implementations are thread-safe and keep no per-call state.
 */
public interface Backend {
  /** Stable name used in cache keys and logs, e.g. "interp", "cpu-janino", "cuda-nvrtc". */
  String name();

  /** Compiles {@code graph}; the variant's key records what it was compiled for. */
  CompiledVariant compile(Graph graph, VariantKey key);

  /**
   * Rebuilds a variant from artifacts this backend saved earlier ({@link
   * CompiledVariant#artifacts()}), skipping compilation; throws if they do not fit, so the caller
   * can quarantine the entry and compile again.
   */
  CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts);

  /**
   * Where this backend would run {@code graph}'s ops and why, in one line, for explain and logs
   * (e.g. which ops a GPU backend runs on the host); null when it runs every op itself. Compiles
   * nothing.
   */
  default String placement(Graph graph) {
    return null;
  }
}
