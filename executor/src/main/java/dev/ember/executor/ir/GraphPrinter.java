package dev.ember.executor.ir;

import java.util.Map;

/** A readable text dump of a graph, one line per node, for logs and the compile cache. */
public final class GraphPrinter {
  private GraphPrinter() {}

  public static String print(Graph g) {
    StringBuilder sb = new StringBuilder();
    sb.append("graph ").append(g.name()).append(" opsets=").append(g.opsetImports()).append('\n');
    for (ValueInfo in : g.inputs()) {
      sb.append("  input  ").append(in.name()).append(": ").append(in.type()).append('\n');
    }
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      sb.append("  const  ").append(e.getKey()).append(": ").append(e.getValue().type())
          .append('\n');
    }
    for (Node n : g.nodes()) {
      sb.append("  ").append(String.join(", ", n.outputs())).append(" = ").append(n.opType())
          .append('(').append(String.join(", ", n.inputs())).append(')');
      if (!n.attrs().asMap().isEmpty()) {
        sb.append(' ').append(n.attrs());
      }
      TensorType t = n.outputs().isEmpty() ? null : g.valueTypes().get(n.outputs().get(0));
      if (t != null) {
        sb.append("  : ").append(t);
      }
      sb.append("   # ").append(n.name()).append('\n');
    }
    for (ValueInfo out : g.outputs()) {
      sb.append("  output ").append(out.name()).append(": ").append(out.type()).append('\n');
    }
    return sb.toString();
  }
}
