package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;

/**
 * numpy {@code matmul} on tensors, the MatMul kernel: a 1-D A is a row ([1, K]) and a 1-D B a
 * column ([K, 1]), the added axis being dropped from the result; the dims before the last two
 * are batch dims and broadcast. Each matrix product runs on {@link Sgemm}, {@link Dgemm} or
 * {@link IntGemm} (its int32 path for 32-bit results).
 */
public final class BatchedMatMul {
  private BatchedMatMul() {}

  /** The products to run: rows of A (and C) in each, element offsets of each A, B and C. */
  private record Plan(int m, int[] aOffs, int[] bOffs, int[] cOffs) {}

  /** Where the products of one matmul go: output shape, sizes and the products to run. */
  private record Layout(int[] outShape, int total, int n, int k, Plan plan) {}

  static Tensor multiply(Tensor a, Tensor b) {
    Layout l = layout(a.shape(), b.shape());
    if (l.total == 0 || l.k == 0) {
      return Tensor.zeros(a.dtype(), l.outShape); // an empty sum is 0
    }
    Plan plan = l.plan;
    int n = l.n;
    int k = l.k;
    switch (a.dtype().storage()) {
      case FLOAT:
        float[] fo = new float[l.total];
        Sgemm.Workspace fws = new Sgemm.Workspace();
        for (int t = 0; t < plan.aOffs.length; t++) {
          Sgemm.multiply(plan.m, n, k, 1f, a.rawFloats(), plan.aOffs[t], k, false,
              b.rawFloats(), plan.bOffs[t], n, false, fo, plan.cOffs[t], n, fws);
        }
        return Tensor.ofFloats(a.dtype(), l.outShape, fo);
      case DOUBLE:
        double[] dout = new double[l.total];
        Dgemm.Workspace dws = new Dgemm.Workspace();
        for (int t = 0; t < plan.aOffs.length; t++) {
          Dgemm.multiply(plan.m, n, k, 1.0, a.rawDoubles(), plan.aOffs[t], k, false,
              b.rawDoubles(), plan.bOffs[t], n, false, dout, plan.cOffs[t], n, dws);
        }
        return Tensor.ofDoubles(l.outShape, dout);
      case LONG:
        if (a.dtype() == DType.INT32 || a.dtype() == DType.UINT32) {
          // The result wraps to 32 bits, so int arithmetic gives the same bits, faster.
          return multiplyInt32(a.dtype(), toInts(a), a.shape(), toInts(b), b.shape());
        }
        long[] lo = new long[l.total];
        for (int t = 0; t < plan.aOffs.length; t++) {
          IntGemm.multiply(plan.m, n, k, 1L, a.rawLongs(), plan.aOffs[t], k, false,
              b.rawLongs(), plan.bOffs[t], n, false, lo, plan.cOffs[t], n);
        }
        return Tensor.ofLongs(a.dtype(), l.outShape, lo);
      default:
        throw OpException.dtype("MatMul does not take " + a.dtype().onnxLowerName());
    }
  }

  /**
   * numpy matmul of operands held as ints (shapes {@code as} and {@code bs}), accumulating in
   * wrapping int32 arithmetic; the result is a tensor of {@code outType} (INT32 or UINT32).
   * MatMul on 32-bit integers and the quantized matmuls (MatMulInteger, QLinearMatMul) run here.
   */
  public static Tensor multiplyInt32(DType outType, int[] a, int[] as, int[] b, int[] bs) {
    Layout l = layout(as, bs);
    long[] out = new long[l.total];
    if (l.total == 0 || l.k == 0) {
      return Tensor.ofLongs(outType, l.outShape, out);
    }
    Plan plan = l.plan;
    int[] c = new int[l.total];
    IntGemm.Workspace ws = new IntGemm.Workspace();
    for (int t = 0; t < plan.aOffs.length; t++) {
      IntGemm.multiplyInt32(plan.m, l.n, l.k, a, plan.aOffs[t], l.k, b, plan.bOffs[t], l.n,
          c, plan.cOffs[t], l.n, ws);
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = c[i];
    }
    return Tensor.ofLongs(outType, l.outShape, out);
  }

  private static int[] toInts(Tensor t) {
    long[] v = t.rawLongs();
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (int) v[i];
    }
    return out;
  }

  private static Layout layout(int[] as, int[] bs) {
    if (as.length == 0 || bs.length == 0) {
      throw OpException.shapes(
          "MatMul needs inputs of rank >= 1, got A " + Shapes.str(as) + " and B "
              + Shapes.str(bs));
    }
    int[] a2 = as.length == 1 ? new int[] {1, as[0]} : as;
    int[] b2 = bs.length == 1 ? new int[] {bs[0], 1} : bs;
    int m = a2[a2.length - 2];
    int k = a2[a2.length - 1];
    int n = b2[b2.length - 1];
    if (b2[b2.length - 2] != k) {
      throw innerMismatch(Shapes.str(as), Shapes.str(bs), k, b2[b2.length - 2]);
    }
    int[] batchA = Arrays.copyOf(a2, a2.length - 2);
    int[] batchB = Arrays.copyOf(b2, b2.length - 2);
    int[] batch = Shapes.broadcast(batchA, batchB);
    if (batch == null) {
      throw OpException.shapes(
          "MatMul batch dimensions of A " + Shapes.str(as) + " and B " + Shapes.str(bs)
              + " cannot be broadcast together");
    }
    int[] outShape = outShape(batch, m, n, as.length == 1, bs.length == 1);
    int total = NnShapes.checkedSize(outShape, "MatMul output");
    Plan plan = total == 0 || k == 0 ? null : plan(batchA, batchB, batch, m, n, k);
    return new Layout(outShape, total, n, k, plan);
  }

  /**
   * The numpy matmul result shape of A and B over symbolic dims, for ops built on this product;
   * unknown rank when either input's type or rank is unknown.
   */
  public static Shape inferShape(TypeContext ctx, TensorType a, TensorType b) {
    if (a == null || b == null || !a.shape().rankKnown() || !b.shape().rankKnown()) {
      return Shape.unknownRank();
    }
    return MatMulOp.outShape(ctx, a.shape(), b.shape());
  }

  /** The error for A's K against B's K, naming both shapes. */
  static OpException innerMismatch(String aShape, String bShape, Object ka, Object kb) {
    return OpException.shapes(
        "MatMul inner dimensions differ: A " + aShape + " has K = " + ka + " columns but B "
            + bShape + " has K = " + kb + " rows");
  }

  private static Plan plan(int[] batchA, int[] batchB, int[] batch, int m, int n, int k) {
    int count = Math.toIntExact(Shapes.numel(batch));
    if (Shapes.numel(batchB) == 1) {
      // One B for every batch entry (weights): A's batch folds into rows of one big product,
      // which keeps the packed panel of B for all of them.
      return new Plan(m * count, new int[] {0}, new int[] {0}, new int[] {0});
    }
    int[] ia = Shapes.broadcastIndex(batchA, batch);
    int[] ib = Shapes.broadcastIndex(batchB, batch);
    int[] aOffs = new int[count];
    int[] bOffs = new int[count];
    int[] cOffs = new int[count];
    for (int t = 0; t < count; t++) {
      aOffs[t] = ia[t] * m * k;
      bOffs[t] = ib[t] * k * n;
      cOffs[t] = t * m * n;
    }
    return new Plan(m, aOffs, bOffs, cOffs);
  }

  private static int[] outShape(int[] batch, int m, int n, boolean dropM, boolean dropN) {
    int[] out = Arrays.copyOf(batch, batch.length + (dropM ? 0 : 1) + (dropN ? 0 : 1));
    int at = batch.length;
    if (!dropM) {
      out[at++] = m;
    }
    if (!dropN) {
      out[at] = n;
    }
    return out;
  }
}
