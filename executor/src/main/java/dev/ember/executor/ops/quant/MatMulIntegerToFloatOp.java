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
 * Ember's own {@code MatMulIntegerToFloat}: MatMulInteger's int32 product, then Cast to float, as
 * one node. Models do not contain it; the CPU backend puts it in place of a MatMulInteger whose
 * only reader is that Cast, so that the product comes out as floats and the dequantizing
 * multiply and bias add that follow run as float loops instead of converting int32 held as long.
 */
public final class MatMulIntegerToFloatOp implements OpDef {
  public static final String DOMAIN = "dev.ember";
  public static final String TYPE = "MatMulIntegerToFloat";

  static final OpSpec SPEC =
      OpSpec.of(TYPE)
          .domain(DOMAIN)
          .since(1)
          .types(QuantTypes.BYTES)
          .summary("float(MatMulInteger(A, B, a_zero_point, b_zero_point)); internal, put in"
              + " place of MatMulInteger + Cast by the CPU backend")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Infer.one(
        new TensorType(DType.FLOAT, BatchedMatMul.inferShape(ctx, ctx.type(0), ctx.type(1))));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor product = IntegerProduct.multiply(
        TYPE, ctx.required(0), ctx.input(2), ctx.required(1), ctx.input(3));
    long[] v = product.rawLongs();
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (int) v[i]; // Cast int32 -> float: round to nearest, as ONNX's Cast does
    }
    return List.of(Tensor.ofFloats(product.shape(), f));
  }
}
