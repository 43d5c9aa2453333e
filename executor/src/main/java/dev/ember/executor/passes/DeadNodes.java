package dev.ember.executor.passes;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drops nodes none of whose outputs reach a graph output, then the initializers and recorded types
 * that only they used. Graph inputs and outputs are kept as they are: they are the graph's
 * interface, even when an input has become unused.
 */
final class DeadNodes {
  private DeadNodes() {}

  static Graph remove(Graph g) {
    Set<String> live = new HashSet<>();
    for (ValueInfo out : g.outputs()) {
      live.add(out.name());
    }
    List<Node> kept = new ArrayList<>();
    List<Node> nodes = g.nodes();
    // Reverse topological order: a node is live when a live value is among its outputs.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (n.outputs().stream().anyMatch(live::contains)) {
        kept.add(n);
        live.addAll(n.inputs());
      }
    }
    Collections.reverse(kept);
    if (kept.size() == nodes.size() && live.containsAll(g.initializers().keySet())) {
      return g;
    }
    Map<String, Tensor> inits = new LinkedHashMap<>();
    g.initializers()
        .forEach(
            (k, v) -> {
              if (live.contains(k)) {
                inits.put(k, v);
              }
            });
    Set<String> produced = new HashSet<>();
    kept.forEach(n -> produced.addAll(n.outputs()));
    Map<String, TensorType> types = new LinkedHashMap<>();
    g.valueTypes()
        .forEach(
            (k, v) -> {
              if (produced.contains(k)) {
                types.put(k, v);
              }
            });
    return g.with(kept, g.outputs(), inits, types);
  }
}
