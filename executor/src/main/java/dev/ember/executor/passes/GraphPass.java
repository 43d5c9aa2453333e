package dev.ember.executor.passes;

import dev.ember.executor.ir.Graph;

/**
 * One graph-to-graph rewrite. A pass never mutates its input (graphs are immutable) and returns a
 * graph that still satisfies {@link dev.ember.executor.ir.GraphVerifier}. Passes are stateless and
 * thread-safe.
 */
public interface GraphPass {
  /** A short name for logs and test messages ("shape-inference"). */
  String name();

  /** Returns the rewritten graph (possibly {@code g} itself when nothing changed). */
  Graph apply(Graph g);
}
