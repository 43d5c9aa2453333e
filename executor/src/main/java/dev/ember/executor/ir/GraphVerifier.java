package dev.ember.executor.ir;

import dev.ember.executor.errors.Errors;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks the invariants every pass relies on: each value is defined exactly once, nodes come in
 * topological order (every input defined before use), and every graph output is defined. Runs
 * after ONNX import and after each pass in tests.
 */
public final class GraphVerifier {
  private GraphVerifier() {}

  /** Returns the graph unchanged, or throws GRAPH_INVALID naming the first broken invariant. */
  public static Graph verify(Graph g) {
    Set<String> defined = new HashSet<>();
    for (ValueInfo in : g.inputs()) {
      define(g, defined, in.name(), "graph input");
    }
    for (String init : g.initializers().keySet()) {
      define(g, defined, init, "initializer");
    }
    for (Node n : g.nodes()) {
      for (String in : n.inputs()) {
        if (!in.isEmpty() && !defined.contains(in)) {
          throw Errors.graphInvalid(
              g.name(),
              "node " + n.describe() + " reads '" + in
                  + "', which no graph input, initializer or earlier node defines");
        }
      }
      for (String out : n.outputs()) {
        if (!out.isEmpty()) {
          define(g, defined, out, "output of node " + n.describe());
        }
      }
    }
    for (ValueInfo out : g.outputs()) {
      if (!defined.contains(out.name())) {
        throw Errors.graphInvalid(
            g.name(), "graph output '" + out.name() + "' is never produced");
      }
    }
    return g;
  }

  private static void define(Graph g, Set<String> defined, String name, String what) {
    if (name.isEmpty()) {
      throw Errors.graphInvalid(g.name(), "a " + what + " has an empty name");
    }
    if (!defined.add(name)) {
      throw Errors.graphInvalid(g.name(), "value '" + name + "' is defined twice (" + what + ")");
    }
  }
}
