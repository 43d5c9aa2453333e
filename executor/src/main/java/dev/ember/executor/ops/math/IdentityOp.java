package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Identity}: the input, unchanged. Tensors are immutable, so the value is shared, not
 * copied. Ember holds tensors only; later opsets add sequences and optionals, which it does not.
 */
final class IdentityOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Identity")
          .since(1, 13, 14, 16, 19, 21, 23, 24, 25)
          .types(Numeric.ALL)
          .summary("the input, unchanged")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Infer.sameAs(ctx, 0);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(ctx.required(0));
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return x.in(0);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.in(0);
  }
}
