package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.Kernel;

/**
 * Emits MatMul and Gemm as calls to the variant's {@link dev.ember.executor.backend.cpu.gemm.Gemm}:
 * with a weight B (a 2-D initializer, prepared once in the constructor) A's leading dims fold into
 * the rows of one product; otherwise one product per matrix of the batch.
 */
final class GemmEmitter {
  private final CpuCodegen cg;

  GemmEmitter(CpuCodegen cg) {
    this.cg = cg;
  }

  void emit(JavaWriter w, Kernel.MatMul m) {
    if (!m.epilogue().isEmpty()) {
      // Fusions.gemmEpilogue is asked for by the CUDA backend only.
      throw new IllegalStateException("the CPU backend has no GEMM epilogues: " + m.label());
    }
    Node n = m.node();
    boolean gemmOp = n.opType().equals("Gemm");
    ShapeRef sa = cg.shapeOf(m.a());
    ShapeRef sb = cg.shapeOf(m.b());
    int ra = sa.rank();
    int rb = sb.rank();
    String out = m.output();
    boolean batched = !m.weights() && rb > 2;
    String rows;
    String k;
    String lda;
    if (gemmOp) {
      rows = sa.dim(m.transA() ? 1 : 0);
      k = sa.dim(m.transA() ? 0 : 1);
      lda = sa.dim(1);
    } else {
      k = sa.dim(ra - 1);
      lda = k;
      rows = "1";
      for (int i = 0; i < (batched ? ra - 2 : ra - 1); i++) {
        rows = batched ? rows : MethodBuilder.mul(rows, sa.dim(i));
      }
      if (batched) {
        rows = sa.dim(ra - 2);
      }
    }
    String nCols = sb.dim(m.transB() ? 0 : rb - 1);
    String ldb = sb.dim(rb - 1);
    String shape;
    if (gemmOp) {
      shape = "new int[] {" + rows + ", " + nCols + "}";
    } else {
      shape = "CpuRuntime.matmul(" + sa.array() + ", " + sb.array() + ")";
    }
    cg.defineOutput(w, out, shape);
    String o = cg.arrayOf(out);
    String alpha = CpuCodegen.floatLiteral(m.alpha());
    String beta = "0f";
    if (m.c() != null) {
      w.line("CpuRuntime.fillBias(" + o + ", " + rows + ", " + nCols + ", " + cg.arrayOf(m.c())
          + ", " + cg.shapeOf(m.c()).array() + ");");
      beta = CpuCodegen.floatLiteral(m.beta());
    }
    String a = cg.arrayOf(m.a());
    if (m.weights()) {
      Tensor b = cg.graph().initializers().get(m.b());
      int bk = b.dim(m.transB() ? 1 : 0);
      int bn = b.dim(m.transB() ? 0 : 1);
      String wf = cg.weights(m.b(), bk, bn, m.transB());
      w.line("gemm.multiply(" + rows + ", " + alpha + ", " + a + ", 0, " + lda + ", "
          + m.transA() + ", " + wf + ", " + beta + ", " + o + ", 0, " + bn + ");");
      return;
    }
    String b = cg.arrayOf(m.b());
    if (!batched) {
      w.line("gemm.multiply(" + rows + ", " + nCols + ", " + k + ", " + alpha + ", " + a
          + ", 0, " + lda + ", " + m.transA() + ", " + b + ", 0, " + ldb + ", " + m.transB()
          + ", " + beta + ", " + o + ", 0, " + nCols + ");");
      return;
    }
    String count = "1";
    for (int i = 0; i < ra - 2; i++) {
      count = MethodBuilder.mul(count, sa.dim(i));
    }
    w.open("");
    w.line("float[] ga = " + a + ";");
    w.line("float[] gb = " + b + ";");
    w.line("float[] go = " + o + ";");
    w.line("int gm = " + rows + ";");
    w.line("int gk = " + k + ";");
    w.line("int gn = " + nCols + ";");
    w.open("for (int t = 0; t < " + count + "; t++)");
    w.line("gemm.multiply(gm, gn, gk, " + alpha + ", ga, t * gm * gk, gk, false, gb, "
        + "t * gk * gn, gn, false, 0f, go, t * gm * gn, gn);");
    w.close();
    w.close();
  }
}
