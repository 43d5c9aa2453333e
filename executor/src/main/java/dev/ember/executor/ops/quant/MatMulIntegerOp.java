package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import dev.ember.executor.ops.nn.BatchedMatMul;
import java.util.List;

/**
 * ONNX {@code MatMulInteger}: numpy matmul of (A - a_zero_point) and (B - b_zero_point) on int8 or
 * uint8 operands, accumulated exactly in int32 (see {@link IntegerProduct}). Dynamic quantization
 * exports (DynamicQuantizeLinear, MatMulInteger, Cast, Mul by the scales) are built on it.
 */
final class MatMulIntegerOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("MatMulInteger")
          .since(10)
          .types(QuantTypes.BYTES)
          .summary("int32 matmul of (A - a_zero_point) and (B - b_zero_point)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Infer.one(
        new TensorType(DType.INT32, BatchedMatMul.inferShape(ctx, ctx.type(0), ctx.type(1))));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(IntegerProduct.multiply(
        "MatMulInteger", ctx.required(0), ctx.input(2), ctx.required(1), ctx.input(3)));
  }
}
