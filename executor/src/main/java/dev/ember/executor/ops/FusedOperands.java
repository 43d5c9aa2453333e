package dev.ember.executor.ops;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import java.util.List;

/**
 * What a {@link FusedElementwise} op builds its expression from: the node, its graph (for input
 * types and constants) and one expression per operand, already in the backend's language (a local,
 * a load or a literal).
 */
public final class FusedOperands {
  private final Graph graph;
  private final Node node;
  private final List<String> operands;

  public FusedOperands(Graph graph, Node node, List<String> operands) {
    this.graph = graph;
    this.node = node;
    this.operands = List.copyOf(operands);
  }

  /** The expression of operand {@code i}. */
  public String in(int i) {
    return operands.get(i);
  }

  /** Every operand's expression, in input order. */
  public List<String> all() {
    return operands;
  }

  public Node node() {
    return node;
  }

  /** The element type of input {@code i}. */
  public DType type(int i) {
    return graph.typeOf(node.input(i)).dtype();
  }

  /**
   * The value of input {@code i} when it is a one-element initializer (written into the
   * expression as a literal where the op {@link FusedElementwise#inlinesConstant inlines} it),
   * else null.
   */
  public Double constant(int i) {
    return FusedElementwise.scalarConstant(graph, node.input(i));
  }
}
