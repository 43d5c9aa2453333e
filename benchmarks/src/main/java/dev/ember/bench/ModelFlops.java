package dev.ember.bench;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import java.util.Map;

/**
 * The floating-point work a model does per token: 2 K N for each product of an activation with a
 * K x N weight (MatMul, Gemm and their quantized forms), one multiply and one add per
 * multiply-accumulate. Attention's own products (Q K^T and the weighted sum of V) grow with the
 * sequence length and are not counted: at this corpus's lengths they are 1-3 % of the work, so the
 * figure slightly understates both engines alike.
 */
final class ModelFlops {
  /** Which input holds the weight, per op. */
  private static final Map<String, Integer> WEIGHT_INPUT =
      Map.of("MatMul", 1, "Gemm", 1, "MatMulInteger", 1, "QLinearMatMul", 3);

  private ModelFlops() {}

  static long perToken(Graph g) {
    long flops = 0;
    for (Node n : g.nodes()) {
      Integer input = WEIGHT_INPUT.get(n.opType());
      if (input == null || n.inputs().size() <= input) {
        continue; // not a product with a weight
      }
      Tensor w = g.initializers().get(n.input(input));
      if (w != null && w.shape().length == 2) {
        flops += 2L * w.dim(0) * w.dim(1);
      }
    }
    return flops;
  }
}
