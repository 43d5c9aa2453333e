package dev.ember.executor.ops.math;

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
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/** ONNX {@code Where}: out = condition ? X : Y, all three broadcast together. */
final class WhereOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Where")
          .since(9, 16)
          .types(Numeric.ALL)
          .summary("condition ? X : Y, 3-way broadcast")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    if (ctx.type(0) != null) {
      MathTypes.require(SPEC, ctx.type(0).dtype(), Numeric.BOOL, "condition");
    }
    DType t = MathTypes.sameType(ctx, SPEC, 1, 2);
    return Infer.one(t == null ? null : Infer.broadcast(ctx, t, 0, 1, 2));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor cond = ctx.required(0);
    MathTypes.require(SPEC, cond.dtype(), Numeric.BOOL, "condition");
    Tensor x = ctx.required(1);
    Tensor y = ctx.required(2);
    DType t = MathTypes.sameType(SPEC, x, y);
    BroadcastPlan p = BroadcastPlan.of(cond, x, y);
    boolean[] c = cond.rawBools();
    Object out;
    switch (t.storage()) {
      case FLOAT:
        {
          float[] a = x.rawFloats();
          float[] b = y.rawFloats();
          float[] o = new float[p.size];
          p.forEach((k, ic, ia, ib) -> o[k] = c[ic] ? a[ia] : b[ib]);
          out = o;
          break;
        }
      case DOUBLE:
        {
          double[] a = x.rawDoubles();
          double[] b = y.rawDoubles();
          double[] o = new double[p.size];
          p.forEach((k, ic, ia, ib) -> o[k] = c[ic] ? a[ia] : b[ib]);
          out = o;
          break;
        }
      case LONG:
        {
          long[] a = x.rawLongs();
          long[] b = y.rawLongs();
          long[] o = new long[p.size];
          p.forEach((k, ic, ia, ib) -> o[k] = c[ic] ? a[ia] : b[ib]);
          out = o;
          break;
        }
      case BOOL:
        {
          boolean[] a = x.rawBools();
          boolean[] b = y.rawBools();
          boolean[] o = new boolean[p.size];
          p.forEach((k, ic, ia, ib) -> o[k] = c[ic] ? a[ia] : b[ib]);
          out = o;
          break;
        }
      default:
        {
          String[] a = x.rawStrings();
          String[] b = y.rawStrings();
          String[] o = new String[p.size];
          p.forEach((k, ic, ia, ib) -> o[k] = c[ic] ? a[ia] : b[ib]);
          out = o;
          break;
        }
    }
    // Elements come from inputs that already hold valid values of t: no rounding or wrapping.
    return List.of(Tensor.wrap(t, p.shape, out));
  }

  @Override
  public int arity(Node n) {
    return 3;
  }

  @Override
  public boolean takesOperand(Graph g, Node n, int i, DType t) {
    return t == (i == 0 ? DType.BOOL : DType.FLOAT);
  }

  @Override
  public String javaExpression(FusedOperands x) {
    return x.in(0) + " ? " + x.in(1) + " : " + x.in(2);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.in(0) + " ? " + x.in(1) + " : " + x.in(2);
  }
}
