package dev.ember.executor.ops;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import java.util.List;

/** What type inference sees of a node: its input types and the values of constant inputs. */
public final class TypeContext {
  private final Node node;
  private final List<TensorType> types;
  private final List<Tensor> constants;

  /**
   * @param types one entry per node input, null where the input is omitted or its type unknown
   * @param constants one entry per node input, null where the value is not a known constant
   */
  public TypeContext(Node node, List<TensorType> types, List<Tensor> constants) {
    this.node = node;
    this.types = types;
    this.constants = constants;
  }

  public Node node() {
    return node;
  }

  public Attributes attrs() {
    return node.attrs();
  }

  public int inputCount() {
    return types.size();
  }

  public boolean hasInput(int i) {
    return i < node.inputs().size() && !node.inputs().get(i).isEmpty();
  }

  /** The i-th input's type, or null when omitted or unknown. */
  public TensorType type(int i) {
    return i < types.size() ? types.get(i) : null;
  }

  /** The i-th input's value when it is a known constant, else null. */
  public Tensor constant(int i) {
    return i < constants.size() ? constants.get(i) : null;
  }
}
