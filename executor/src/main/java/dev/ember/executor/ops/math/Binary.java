package dev.ember.executor.ops.math;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.Elementwise.DoubleFn;
import dev.ember.executor.ops.Elementwise.FloatFn;
import dev.ember.executor.ops.Elementwise.LongFn;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import java.util.function.BinaryOperator;

/**
 * Broadcasting binary kernels over two inputs of one element type. Float-held types compute in
 * float (FLOAT16 and BFLOAT16 round on store), integers in long (wrapped to width on store).
 */
final class Binary {
  private Binary() {}

  /** Arithmetic with the float fast path of {@link Arith}; other storages use the lambdas. */
  static Tensor arith(OpSpec spec, Arith op, Tensor a, Tensor b, DoubleFn df, LongFn lf) {
    DType t = MathTypes.sameType(spec, a, b);
    if (t.storage() == DType.Storage.FLOAT) {
      BroadcastPlan p = BroadcastPlan.of(a, b);
      return Tensor.ofFloats(t, p.shape, op.floats(p, a.rawFloats(), b.rawFloats()));
    }
    return map(spec, a, b, op::apply, df, lf);
  }

  /** Applies a function per storage kind; the output has the inputs' element type. */
  static Tensor map(OpSpec spec, Tensor a, Tensor b, FloatFn ff, DoubleFn df, LongFn lf) {
    DType t = MathTypes.sameType(spec, a, b);
    BroadcastPlan p = BroadcastPlan.of(a, b);
    switch (t.storage()) {
      case FLOAT:
        {
          float[] x = a.rawFloats();
          float[] y = b.rawFloats();
          float[] out = new float[p.size];
          p.forEach((o, i, j) -> out[o] = ff.apply(x[i], y[j]));
          return Tensor.ofFloats(t, p.shape, out);
        }
      case DOUBLE:
        {
          double[] x = a.rawDoubles();
          double[] y = b.rawDoubles();
          double[] out = new double[p.size];
          p.forEach((o, i, j) -> out[o] = df.apply(x[i], y[j]));
          return Tensor.ofDoubles(p.shape, out);
        }
      case LONG:
        {
          long[] x = a.rawLongs();
          long[] y = b.rawLongs();
          long[] out = new long[p.size];
          p.forEach((o, i, j) -> out[o] = lf.apply(x[i], y[j]));
          return Tensor.ofLongs(t, p.shape, out);
        }
      default:
        throw OpException.dtype(spec.opType() + " does not take " + t.onnxLowerName());
    }
  }

  /** Compares elementwise into a BOOL tensor. */
  static Tensor compare(OpSpec spec, Relation rel, Tensor a, Tensor b) {
    DType t = MathTypes.sameType(spec, a, b);
    BroadcastPlan p = BroadcastPlan.of(a, b);
    boolean[] out = new boolean[p.size];
    switch (t.storage()) {
      case FLOAT:
        {
          float[] x = a.rawFloats();
          float[] y = b.rawFloats();
          p.forEach((o, i, j) -> out[o] = rel.test(x[i], y[j]));
          break;
        }
      case DOUBLE:
        {
          double[] x = a.rawDoubles();
          double[] y = b.rawDoubles();
          p.forEach((o, i, j) -> out[o] = rel.test(x[i], y[j]));
          break;
        }
      case LONG:
        {
          long[] x = a.rawLongs();
          long[] y = b.rawLongs();
          boolean unsigned = t == DType.UINT64;
          p.forEach((o, i, j) -> out[o] = rel.test(x[i], y[j], unsigned));
          break;
        }
      case BOOL:
        {
          boolean[] x = a.rawBools();
          boolean[] y = b.rawBools();
          p.forEach((o, i, j) -> out[o] = rel.test(x[i] ? 1 : 0, y[j] ? 1 : 0, false));
          break;
        }
      default:
        {
          String[] x = a.rawStrings();
          String[] y = b.rawStrings();
          p.forEach((o, i, j) -> out[o] = x[i].equals(y[j]));
          break;
        }
    }
    return Tensor.ofBools(p.shape, out);
  }

  /** Folds a variadic op (Sum, Max, Min) pairwise over its 1..n inputs. */
  static Tensor fold(OpSpec spec, KernelContext ctx, BinaryOperator<Tensor> step) {
    if (ctx.inputCount() == 0) {
      throw OpException.attribute(spec.opType() + " needs at least one input");
    }
    Tensor acc = ctx.required(0);
    MathTypes.require(spec, acc.dtype());
    for (int i = 1; i < ctx.inputCount(); i++) {
      acc = step.apply(acc, ctx.required(i));
    }
    return acc;
  }
}
