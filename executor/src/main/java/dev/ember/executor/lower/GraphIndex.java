package dev.ember.executor.lower;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Producers, consumers and positions of a graph's values, for the lowering's pattern checks. */
final class GraphIndex {
  final Graph graph;
  final Map<String, Node> producer = new HashMap<>();
  final Map<String, List<Node>> consumers = new HashMap<>();
  final Map<Node, Integer> position = new HashMap<>();
  final Set<String> outputs = new HashSet<>();

  GraphIndex(Graph g) {
    this.graph = g;
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      position.put(n, i);
      for (String in : n.inputs()) {
        if (!in.isEmpty()) {
          List<Node> c = consumers.computeIfAbsent(in, k -> new ArrayList<>());
          if (!c.contains(n)) {
            c.add(n);
          }
        }
      }
      for (String out : n.outputs()) {
        if (!out.isEmpty()) {
          producer.put(out, n);
        }
      }
    }
    for (ValueInfo out : g.outputs()) {
      outputs.add(out.name());
    }
  }

  List<Node> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /** The node producing {@code value} if exactly {@code consumer} reads it, else null. */
  Node soleProducer(String value, Node consumer) {
    Node p = producer.get(value);
    if (p == null || outputs.contains(value)) {
      return null;
    }
    List<Node> c = consumers(value);
    return c.size() == 1 && c.get(0) == consumer ? p : null;
  }

  /** The single consumer of {@code value}, or null when it has several or is a graph output. */
  Node soleConsumer(String value) {
    List<Node> c = consumers(value);
    return c.size() == 1 && !outputs.contains(value) ? c.get(0) : null;
  }

  TensorType type(String value) {
    return graph.typeOf(value);
  }

  Shape shape(String value) {
    TensorType t = graph.typeOf(value);
    return t == null ? Shape.unknownRank() : t.shape();
  }

  boolean isInitializer(String value) {
    return graph.initializers().containsKey(value);
  }

  /** Both values have the same known rank and the same dims (equal sizes or equal symbols). */
  boolean sameShape(String a, String b) {
    Shape sa = shape(a);
    Shape sb = shape(b);
    return sa.rankKnown() && sb.rankKnown() && sa.dims().equals(sb.dims());
  }
}
