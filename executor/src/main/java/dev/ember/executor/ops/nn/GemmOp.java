package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.Arrays;
import java.util.List;

/**
 * ONNX {@code Gemm}: Y = alpha * op(A) * op(B) + beta * C, op transposing when transA/transB are
 * set; A and B are 2-D, C broadcasts to (M, N). Before opset 7 C broadcasts only with the
 * {@code broadcast} attribute; before 11 C is required, after it C is optional. Integer types
 * (opset 9) need whole alpha and beta.
 */
final class GemmOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Gemm")
          .since(1, 6, 7, 9, 11, 13)
          .types(NnTypes.NUMERIC)
          .summary("alpha * op(A) * op(B) + beta * C, C broadcast to (M, N)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    DType dtype = NnTypes.common("Gemm", ctx.type(0), ctx.type(1));
    if (dtype == null) {
      return Infer.one(null);
    }
    NnTypes.require(SPEC, dtype, "inputs");
    boolean transA = ctx.attrs().getInt("transA", 0) != 0;
    boolean transB = ctx.attrs().getInt("transB", 0) != 0;
    Dim[] a = matrixDims(ctx, 0, "A");
    Dim[] b = matrixDims(ctx, 1, "B");
    Dim m = a == null ? Infer.fresh(ctx, 0, 0) : a[transA ? 1 : 0];
    Dim n = b == null ? Infer.fresh(ctx, 0, 1) : b[transB ? 0 : 1];
    if (a != null && b != null && NnShapes.differ(a[transA ? 0 : 1], b[transB ? 1 : 0])) {
      throw innerMismatch(
          ctx.type(0).shape().toString(), transA, ctx.type(1).shape().toString(), transB);
    }
    TensorType c = ctx.type(2);
    if (c != null && c.shape().isStatic() && m.isFixed() && n.isFixed()) {
      int[] mn = {(int) m.size(), (int) n.size()};
      checkC(c.shape().toIntArray(), mn, ctx.node().opset(), ctx.attrs().getInt("broadcast", 0));
    }
    return Infer.one(new TensorType(dtype, Shape.of(List.of(m, n))));
  }

  /** The two dims of input i, null when its shape is unknown; throws when it is not 2-D. */
  private static Dim[] matrixDims(TypeContext ctx, int i, String name) {
    TensorType t = ctx.type(i);
    if (t == null || !t.shape().rankKnown()) {
      return null;
    }
    if (t.shape().rank() != 2) {
      throw OpException.shapes("Gemm needs a 2-D " + name + ", got shape " + t.shape());
    }
    return new Dim[] {t.shape().dim(0), t.shape().dim(1)};
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor a = ctx.required(0);
    Tensor b = ctx.required(1);
    Tensor c = ctx.input(2);
    int opset = ctx.node().opset();
    if (c == null && opset < 11) {
      throw OpException.attribute("Gemm before opset 11 requires input C, which is missing");
    }
    NnTypes.requireSame("Gemm", a, "A", b, "B");
    NnTypes.require(SPEC, a, "A");
    if (c != null) {
      NnTypes.requireSame("Gemm", a, "A", c, "C");
    }
    if (a.rank() != 2 || b.rank() != 2) {
      throw OpException.shapes(
          "Gemm needs 2-D A and B, got A " + Shapes.str(a.shape()) + " and B "
              + Shapes.str(b.shape()));
    }
    boolean transA = ctx.attrs().getInt("transA", 0) != 0;
    boolean transB = ctx.attrs().getInt("transB", 0) != 0;
    int m = a.dim(transA ? 1 : 0);
    int k = a.dim(transA ? 0 : 1);
    int n = b.dim(transB ? 0 : 1);
    if (b.dim(transB ? 1 : 0) != k) {
      throw innerMismatch(Shapes.str(a.shape()), transA, Shapes.str(b.shape()), transB);
    }
    int[] mn = {m, n};
    NnShapes.checkedSize(mn, "Gemm output");
    if (c != null) {
      checkC(c.shape(), mn, opset, ctx.attrs().getInt("broadcast", 0));
    }
    float alpha = ctx.attrs().getFloat("alpha", 1f);
    float beta = ctx.attrs().getFloat("beta", 1f);
    // beta = 0 means C is not read, as in BLAS, so an inf or NaN in C does not leak into Y.
    Tensor bias = beta == 0f ? null : c;
    GemmProduct p = new GemmProduct(m, n, k, transA, transB);
    return List.of(p.compute(a, b, bias, alpha, beta));
  }

  /** Throws unless C broadcasts to (M, N) (or equals it, for opset < 7 without broadcast). */
  private static void checkC(int[] cs, int[] mn, int opset, long broadcastAttr) {
    boolean exact = Arrays.equals(cs, mn);
    if (opset < 7 && broadcastAttr == 0 && !exact) {
      throw OpException.shapes(
          "Gemm C has shape " + Shapes.str(cs) + " but must be " + Shapes.str(mn)
              + " exactly, as the model (opset " + opset + ") does not set broadcast=1");
    }
    if (!exact && (cs.length > 2 || !Arrays.equals(Shapes.broadcast(cs, mn), mn))) {
      throw OpException.shapes(
          "Gemm C of shape " + Shapes.str(cs) + " does not broadcast to the output shape "
              + Shapes.str(mn));
    }
  }

  private static OpException innerMismatch(String a, boolean transA, String b, boolean transB) {
    return OpException.shapes(
        "Gemm inner dimensions differ: A " + a + (transA ? " (transposed)" : "") + " and B " + b
            + (transB ? " (transposed)" : "") + " do not agree on K");
  }

  /** A GEMM on the CPU and CUDA backends. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
