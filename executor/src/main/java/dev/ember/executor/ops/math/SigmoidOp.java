package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/** ONNX {@code Sigmoid}: y = 1 / (1 + e ^ -x), elementwise. */
final class SigmoidOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Sigmoid")
          .since(6, 13)
          .types(Numeric.FLOATS)
          .summary("1 / (1 + e ^ -x), elementwise")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return MathTypes.unary(ctx, SPEC);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(Unary.floating(SPEC, ctx.required(0), SigmoidOp::sigmoid));
  }

  /** The logistic function, written so that neither branch overflows to inf / inf. */
  static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return "CpuMath.sigmoid(" + x.in(0) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return "1.0f / (1.0f + expf(-(" + x.in(0) + ")))";
  }
}
