package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * ONNX {@code Gelu} (opset 20): y = x * Phi(x), exactly with erf ({@code approximate="none"}) or
 * with the tanh approximation ({@code approximate="tanh"}); computed in double.
 */
final class GeluOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Gelu")
          .since(20)
          .types(Numeric.FLOATS)
          .summary("x * Phi(x), erf or tanh form")
          .build();

  private static final double INV_SQRT2 = 1 / Math.sqrt(2);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    form(ctx.attrs().getString("approximate", "none"));
    return MathTypes.unary(ctx, SPEC);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    DoubleUnaryOperator f = form(ctx.attrs().getString("approximate", "none"));
    return List.of(Unary.floating(SPEC, ctx.required(0), f));
  }

  private static DoubleUnaryOperator form(String approximate) {
    switch (approximate) {
      case "none":
        return x -> 0.5 * x * (1 + ErfMath.erf(x * INV_SQRT2));
      case "tanh":
        return x -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
      default:
        throw OpException.attribute(
            "Gelu attribute approximate='" + approximate + "' is not 'none' or 'tanh'");
    }
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  @Override
  public String whyNotFused(Node n) {
    String approx = n.attrs().getString("approximate", "none");
    return approx.equals("none") || approx.equals("tanh") ? null
        : "Gelu approximate='" + approx + "'";
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return (tanhForm(x) ? "CpuMath.geluTanh(" : "CpuMath.gelu(") + x.in(0) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    String a = x.in(0);
    return tanhForm(x)
        ? "0.5f * " + a + " * (1.0f + tanhf(0.7978845608028654f * (" + a + " + 0.044715f * " + a
            + " * " + a + " * " + a + ")))"
        : "0.5f * " + a + " * (1.0f + ember_erf(" + a + " * 0.7071067811865476f))";
  }

  private static boolean tanhForm(FusedOperands x) {
    return x.node().attrs().getString("approximate", "none").equals("tanh");
  }
}
