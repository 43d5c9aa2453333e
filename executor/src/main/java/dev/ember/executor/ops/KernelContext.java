package dev.ember.executor.ops;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import java.util.List;

/** What a kernel sees: the node and its input values (null for omitted optional inputs). */
public final class KernelContext {
  private final Node node;
  private final List<Tensor> inputs;

  public KernelContext(Node node, List<Tensor> inputs) {
    this.node = node;
    this.inputs = inputs;
  }

  public Node node() {
    return node;
  }

  public Attributes attrs() {
    return node.attrs();
  }

  public int inputCount() {
    return inputs.size();
  }

  /** The i-th input, or null when omitted. */
  public Tensor input(int i) {
    return i < inputs.size() ? inputs.get(i) : null;
  }

  /** The i-th input, failing with a clear message when the model omits it. */
  public Tensor required(int i) {
    Tensor t = input(i);
    if (t == null) {
      throw OpException.attribute("required input #" + i + " is missing");
    }
    return t;
  }

  /** How many outputs the node declares (trailing optional outputs may be omitted). */
  public int outputCount() {
    return node.outputs().size();
  }

  /** Whether the node wants output i (declared and not the empty name). */
  public boolean wantsOutput(int i) {
    return i < node.outputs().size() && !node.outputs().get(i).isEmpty();
  }
}
