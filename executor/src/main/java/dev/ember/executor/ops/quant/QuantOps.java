package dev.ember.executor.ops.quant;

import dev.ember.executor.ops.OpDef;
import java.util.List;

/** Linear quantization: (de)quantizing tensors and integer matrix products. */
public final class QuantOps {
  private QuantOps() {}

  public static List<OpDef> all() {
    return List.of(
        new QuantizeLinearOp(),
        new DequantizeLinearOp(),
        new DynamicQuantizeLinearOp(),
        new MatMulIntegerOp(),
        new MatMulIntegerToFloatOp(),
        new QLinearMatMulOp());
  }
}
