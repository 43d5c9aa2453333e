package dev.ember.executor.ir;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable computation graph: nodes in topological order, typed inputs and outputs,
 * constant initializers and the types known for intermediate values. Passes return new graphs.
 */
public record Graph(
    String name,
    List<Node> nodes,
    List<ValueInfo> inputs,
    List<ValueInfo> outputs,
    Map<String, Tensor> initializers,
    Map<String, TensorType> valueTypes,
    Map<String, Integer> opsetImports) {
  public Graph {
    Objects.requireNonNull(name, "name");
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
    valueTypes = Collections.unmodifiableMap(new LinkedHashMap<>(valueTypes));
    opsetImports = Collections.unmodifiableMap(new LinkedHashMap<>(opsetImports));
  }

  public Graph withNodes(List<Node> newNodes) {
    return new Graph(name, newNodes, inputs, outputs, initializers, valueTypes, opsetImports);
  }

  public Graph withInputs(List<ValueInfo> newInputs) {
    return new Graph(name, nodes, newInputs, outputs, initializers, valueTypes, opsetImports);
  }

  public Graph with(
      List<Node> newNodes,
      List<ValueInfo> newOutputs,
      Map<String, Tensor> newInitializers,
      Map<String, TensorType> newValueTypes) {
    return new Graph(
        name, newNodes, inputs, newOutputs, newInitializers, newValueTypes, opsetImports);
  }

  /** The type known for a value: graph input, initializer or inferred intermediate. */
  public TensorType typeOf(String value) {
    for (ValueInfo in : inputs) {
      if (in.name().equals(value)) {
        return in.type();
      }
    }
    Tensor init = initializers.get(value);
    if (init != null) {
      return init.type();
    }
    return valueTypes.get(value);
  }

  /** Counts nodes per op type, for tests and logs. */
  public Map<String, Integer> opHistogram() {
    Map<String, Integer> h = new java.util.TreeMap<>();
    for (Node n : nodes) {
      h.merge(n.opType(), 1, Integer::sum);
    }
    return h;
  }
}
