package dev.ember.executor.ir;

import java.util.List;
import java.util.Objects;

/**
 * One operator application. Inputs and outputs are value names; an empty name marks an omitted
 * optional input or output, as in ONNX. {@code opset} is the version the model imports for the
 * node's domain.
 */
public record Node(
    String name,
    String opType,
    String domain,
    int opset,
    List<String> inputs,
    List<String> outputs,
    Attributes attrs) {
  public Node {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(opType, "opType");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(attrs, "attrs");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public Node withInputs(List<String> newInputs) {
    return new Node(name, opType, domain, opset, newInputs, outputs, attrs);
  }

  /** "'name' (OpType, opset N)", the way every error names a node. */
  public String describe() {
    String op = domain.isEmpty() ? opType : domain + "::" + opType;
    return "'" + name + "' (" + op + ", opset " + opset + ")";
  }

  /** The i-th input name, or "" when the input is absent or omitted. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }
}
