package dev.ember.executor.ops.math;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Pow}: Z = X ^ Y with numpy broadcasting. Since opset 12 the exponent may have any
 * numeric type; the output has the base's type. Floating bases compute in double and round once;
 * integer bases with an integer exponent multiply exactly (wrapping), and with a floating exponent
 * truncate the double result toward zero, as C's cast of {@code pow} does.
 */
final class PowOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Pow")
          .since(7, 12, 13, 15)
          .types(DType.INT32, DType.INT64, DType.FLOAT16, DType.FLOAT, DType.DOUBLE, DType.BFLOAT16)
          .summary("X ^ Y, broadcast; output has the base's type")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    if (ctx.type(1) != null) {
      MathTypes.require(SPEC, ctx.type(1).dtype(), Numeric.TYPES, "exponent");
    }
    TensorType base = ctx.type(0);
    if (base == null) {
      return Infer.one(null);
    }
    MathTypes.require(SPEC, base.dtype());
    return Infer.one(Infer.broadcast(ctx, base.dtype(), 0, 1));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(pow(ctx.required(0), ctx.required(1)));
  }

  private static Tensor pow(Tensor x, Tensor y) {
    DType t = x.dtype();
    MathTypes.require(SPEC, t);
    MathTypes.require(SPEC, y.dtype(), Numeric.TYPES, "exponent");
    BroadcastPlan p = BroadcastPlan.of(x, y);
    switch (t.storage()) {
      case FLOAT:
        return Tensor.ofFloats(t, p.shape, floats(p, x.rawFloats(), y));
      case DOUBLE:
        {
          double[] base = x.rawDoubles();
          double[] e = Numeric.toDoubles(y);
          double[] out = new double[p.size];
          p.forEach((o, i, j) -> out[o] = Math.pow(base[i], e[j]));
          return Tensor.ofDoubles(p.shape, out);
        }
      default:
        return Tensor.ofLongs(t, p.shape, longs(p, x.rawLongs(), y));
    }
  }

  private static float[] floats(BroadcastPlan p, float[] base, Tensor y) {
    float[] out = new float[p.size];
    // A one-element exponent broadcasts without moving the base: out[i] pairs with base[i].
    if (y.size() == 1 && y.getDouble(0) == 2) {
      // x * x rounds exactly as pow(x, 2) does; layer norms square this way on every call.
      for (int i = 0; i < out.length; i++) {
        out[i] = base[i] * base[i];
      }
      return out;
    }
    double[] e = Numeric.toDoubles(y);
    p.forEach((o, i, j) -> out[o] = (float) Math.pow(base[i], e[j]));
    return out;
  }

  private static long[] longs(BroadcastPlan p, long[] base, Tensor y) {
    long[] out = new long[p.size];
    if (y.dtype().isInteger()) {
      long[] e = y.rawLongs();
      boolean unsignedExponent = y.dtype() == DType.UINT64;
      p.forEach((o, i, j) -> out[o] = intPow(base[i], e[j], unsignedExponent));
    } else {
      double[] e = Numeric.toDoubles(y);
      p.forEach((o, i, j) -> out[o] = (long) Math.pow(base[i], e[j]));
    }
    return out;
  }

  /** base^exp by squaring, wrapping like C; negative powers truncate toward zero. */
  static long intPow(long base, long exp, boolean unsignedExponent) {
    if (exp < 0 && !unsignedExponent) {
      if (base == 0) {
        throw new OpException(
            ErrorCode.KERNEL_FAILED,
            "integer 0 raised to the negative power " + exp,
            "keep zero bases away from negative exponents, or compute the power in float");
      }
      if (base == 1 || base == -1) {
        return (exp & 1) == 0 ? 1 : base;
      }
      return 0;
    }
    long r = 1;
    long b = base;
    for (long n = exp; n != 0; n >>>= 1) {
      if ((n & 1) != 0) {
        r *= b;
      }
      b *= b;
    }
    return r;
  }

  @Override
  public int arity(Node n) {
    return 2;
  }

  /** A constant scalar exponent of any numeric type is inlined; a tensor one must be float. */
  @Override
  public boolean takesOperand(Graph g, Node n, int i, DType t) {
    return t == DType.FLOAT
        || (i == 1 && FusedElementwise.scalarConstant(g, n.input(1)) != null);
  }

  @Override
  public boolean inlinesConstant(int i) {
    return i == 1;
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return squares(x) ? x.in(0) + " * " + x.in(0)
        : "(float) Math.pow(" + x.in(0) + ", " + x.in(1) + ")";
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return squares(x) ? x.in(0) + " * " + x.in(0) : "powf(" + x.in(0) + ", " + x.in(1) + ")";
  }

  /** x * x rounds as the reference kernel's square does (see {@link #floats}). */
  private static boolean squares(FusedOperands x) {
    Double e = x.constant(1);
    return e != null && e == 2.0;
  }
}
