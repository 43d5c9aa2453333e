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

/** ONNX {@code Log}: y = ln(x), elementwise; -inf at 0, NaN below. */
final class LogOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Log")
          .since(6, 13)
          .types(Numeric.FLOATS)
          .summary("natural logarithm, elementwise")
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
    return List.of(Unary.floating(SPEC, ctx.required(0), Math::log));
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return "(float) Math.log(" + x.in(0) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return "logf(" + x.in(0) + ")";
  }
}
