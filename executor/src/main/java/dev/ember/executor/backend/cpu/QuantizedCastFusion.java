package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.quant.MatMulIntegerToFloatOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts one {@code MatMulIntegerToFloat} in place of each MatMulInteger whose only reader is a
 * Cast to float: the pattern of every dynamically quantized linear layer. The CPU backend then
 * writes the product as floats ({@link QuantizedMatMul}), and the dequantizing loops that follow
 * read floats, which the JIT vectorises, instead of int32 values held as long, which it does not
 * (half of the int8 MiniLM's time before). Values stay bit for bit what the two nodes give.
 */
final class QuantizedCastFusion {
  private QuantizedCastFusion() {}

  static Graph apply(Graph g) {
    Map<String, Integer> readers = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String in : n.inputs()) {
        readers.merge(in, 1, Integer::sum);
      }
    }
    Set<String> graphOutputs = new HashSet<>();
    for (ValueInfo o : g.outputs()) {
      graphOutputs.add(o.name());
    }
    Map<String, Node> products = new HashMap<>();
    for (Node n : g.nodes()) {
      if (isOnnx(n) && n.opType().equals("MatMulInteger") && n.outputs().size() == 1) {
        String out = n.outputs().get(0);
        if (readers.getOrDefault(out, 0) == 1 && !graphOutputs.contains(out)) {
          products.put(out, n);
        }
      }
    }
    Map<Node, Node> fusedAt = new HashMap<>(); // the Cast -> the node that replaces both
    Set<Node> absorbed = new HashSet<>();
    for (Node n : g.nodes()) {
      Node mm = isFloatCast(n) ? products.get(n.inputs().get(0)) : null;
      if (mm != null) {
        fusedAt.put(n, new Node(mm.name() + "_to_float", MatMulIntegerToFloatOp.TYPE,
            MatMulIntegerToFloatOp.DOMAIN, 1, mm.inputs(), n.outputs(), mm.attrs()));
        absorbed.add(mm);
      }
    }
    if (fusedAt.isEmpty()) {
      return g;
    }
    // The fused node sits where the Cast was: every input of the product is ready by then.
    List<Node> nodes = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!absorbed.contains(n)) {
        nodes.add(fusedAt.getOrDefault(n, n));
      }
    }
    return g.withNodes(nodes);
  }

  private static boolean isFloatCast(Node n) {
    return isOnnx(n) && n.opType().equals("Cast") && n.inputs().size() == 1
        && n.attrs().getInt("to", -1) == DType.FLOAT.onnxCode();
  }

  private static boolean isOnnx(Node n) {
    return n.domain().isEmpty() || n.domain().equals("ai.onnx");
  }
}
