package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.ElementwiseOps;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits the loop kernels: a fused elementwise loop, and the row kernels (softmax, layer norm,
 * last-axis mean/sum) whose input may itself be computed by a fused prologue. Loops walk the
 * domain shape row by row (last axis innermost, so the JIT can vectorise it); each operand is
 * indexed by its broadcast strides, read once per row when it is constant along the row.
 */
final class LoopEmitter {
  private final CpuCodegen cg;
  private final Graph g;

  LoopEmitter(CpuCodegen cg) {
    this.cg = cg;
    this.g = cg.graph();
  }

  /** How one operand is read inside the loop. */
  private static final class Leaf {
    String array;
    String local;
    String javaType;
    String base; // per-row base index expression
    String inner; // "0" held, "1" contiguous, else a stride expression
  }

  /** The loop's operands and the statements that compute the group's values. */
  private final class Body {
    final MethodBuilder mb;
    final ShapeRef domain;
    final int rank;
    final String[] dims;
    final Map<String, Leaf> leaves = new LinkedHashMap<>();
    final Map<String, String> locals = new LinkedHashMap<>();
    final List<String> rowDecls = new ArrayList<>();
    final List<String> stmts = new ArrayList<>();
    boolean needsCoords;
    /** Row scratch the loop writes instead of the output row, when {@link #rowCopies()}. */
    String outRow;
    /** Use row buffers even when the operands agree (a layer norm's scale and bias are at j). */
    boolean forceRowCopies;

    Body(MethodBuilder mb, ShapeRef domain) {
      this.mb = mb;
      this.domain = domain;
      this.rank = domain.rank();
      this.dims = new String[rank];
      for (int k = 0; k < rank; k++) {
        dims[k] = mb.size(domain.dim(k));
      }
    }

    String inner() {
      return rank == 0 ? "1" : dims[rank - 1];
    }

    String rows() {
      String r = "1";
      for (int k = 0; k < rank - 1; k++) {
        r = MethodBuilder.mul(r, dims[k]);
      }
      return r;
    }

    /** The Java expression for value {@code v} inside the inner loop. */
    String ref(String v) {
      String local = locals.get(v);
      if (local != null) {
        return local;
      }
      Tensor c = g.initializers().get(v);
      if (c != null && c.size() == 1 && c.dtype() == DType.FLOAT) {
        return CpuCodegen.floatLiteral(c.rawFloats()[0]);
      }
      Leaf leaf = leaves.computeIfAbsent(v, this::leaf);
      return leaf.local;
    }

    private Leaf leaf(String v) {
      Leaf l = new Leaf();
      DType t = g.typeOf(v).dtype();
      l.javaType = CpuCodegen.javaScalar(t);
      l.array = mb.param(l.javaType + "[]", cg.arrayOf(v));
      l.local = "x" + leaves.size();
      ShapeRef s = cg.shapeOf(v);
      Shape st = s.type();
      if (st.dims().equals(domain.type().dims())) {
        l.base = "ob";
        l.inner = "1";
        return l;
      }
      int r = s.rank();
      String[] stride = new String[rank];
      String running = "1";
      for (int a = r - 1; a >= 0; a--) {
        int k = a + rank - r;
        Dim ld = st.dim(a);
        Dim od = domain.type().dim(k);
        String ldim = mb.size(s.dim(a));
        if (ld.isFixed() && ld.size() == 1 && !(od.isFixed() && od.size() == 1)) {
          stride[k] = "0";
        } else if (ld.equals(od)) {
          stride[k] = running;
        } else {
          stride[k] = "(" + ldim + " == 1 ? 0 : " + running + ")";
        }
        running = MethodBuilder.mul(running, ldim);
      }
      String base = "0";
      for (int k = 0; k < rank - 1; k++) {
        if (stride[k] != null && !stride[k].equals("0")) {
          needsCoords = true;
          String term = MethodBuilder.mul("c" + k, stride[k]);
          base = base.equals("0") ? term : base + " + " + term;
        }
      }
      l.base = base;
      l.inner = rank == 0 || stride[rank - 1] == null ? "0" : stride[rank - 1];
      return l;
    }

    /** Adds the statements computing {@code nodes}, in topological order. */
    void compute(List<Node> nodes) {
      for (Node n : nodes) {
        String out = n.outputs().get(0);
        String local = "v" + locals.size();
        stmts.add("float " + local + " = " + expression(this, n) + ";");
        locals.put(out, local);
      }
    }

    /**
     * Whether operands are read through row copies: C2 (JDK 17) vectorises a loop only when every
     * array it indexes has the same loop-invariant offset, and a broadcast operand at {@code b + j}
     * next to rows at {@code ob + j} left GELU, the layer norm prologue and the softmax prologue
     * scalar (measured about 10x slower). Copying those rows (System.arraycopy) into per-thread
     * row buffers indexed by {@code j} alone costs a few percent.
     */
    boolean rowCopies() {
      if (rank < 2) {
        return false;
      }
      if (forceRowCopies) {
        return true;
      }
      for (Leaf l : leaves.values()) {
        if (l.inner.equals("1") && !l.base.equals("ob")) {
          return true; // the output row is always at ob
        }
      }
      return false;
    }

    /** The row buffer parameter number {@code k} of this kernel (per-thread, {@code n} floats). */
    private String rowBuffer(int k) {
      return mb.param("float[]", "f.a.row(" + k + ", " + domain.dim(rank - 1) + ")");
    }

    /** Writes the row prelude (coords, bases, held operands) into {@code w}. */
    void prelude(JavaWriter w) {
      boolean copies = rowCopies();
      if (needsCoords && rank > 1) {
        w.line("int q = r;");
        for (int k = rank - 2; k >= 0; k--) {
          if (k == 0) {
            w.line("int c0 = q;");
          } else {
            w.line("int c" + k + " = q % " + dims[k] + ";");
            w.line("q = q / " + dims[k] + ";");
          }
        }
      }
      w.line("int ob = r * " + inner() + ";");
      int i = 0;
      for (Leaf l : leaves.values()) {
        boolean atZero = l.base.equals("0");
        if (!l.base.equals("ob")) {
          String b = "b" + i;
          w.line("int " + b + " = " + l.base + ";");
          l.base = b;
        }
        if (l.inner.equals("0")) {
          w.line(l.javaType + " " + l.local + " = " + l.array + "[" + l.base + "];");
        } else if (!l.inner.equals("1")) {
          w.line("int s" + i + " = " + l.inner + ";");
          l.inner = "s" + i;
        } else if (copies && l.javaType.equals("float") && !atZero) {
          String row = rowBuffer(i + 1);
          w.line("System.arraycopy(" + l.array + ", " + l.base + ", " + row + ", 0, " + inner()
              + ");");
          l.array = row;
          l.base = "0";
        }
        i++;
      }
      if (copies) {
        outRow = rowBuffer(0);
      }
    }

    /** Where the loop stores element j of the output row {@code out}. */
    String store(String out) {
      return outRow == null ? out + "[ob + j]" : outRow + "[j]";
    }

    /** The array the row lies in: {@link #store}'s, without the index. */
    String rowArray(String out) {
      return outRow == null ? out : outRow;
    }

    /** Where the row starts in {@link #rowArray}. */
    String rowOffset() {
      return outRow == null ? "ob" : "0";
    }

    /** After the row's loop: copies the row buffer into the output row, when one was used. */
    void flush(JavaWriter w, String out) {
      if (outRow != null) {
        w.line("System.arraycopy(" + outRow + ", 0, " + out + ", ob, " + inner() + ");");
      }
    }

    /** Writes the per-element loads of operands that vary along the row. */
    void loads(JavaWriter w) {
      for (Leaf l : leaves.values()) {
        if (l.inner.equals("0")) {
          continue;
        }
        String idx = l.inner.equals("1") ? l.base + " + j" : l.base + " + j * " + l.inner;
        w.line(l.javaType + " " + l.local + " = " + l.array + "[" + idx + "];");
      }
      stmts.forEach(w::line);
    }
  }

  /** A fused elementwise loop writing {@code k.output()}. */
  MethodBuilder elementwise(Kernel.Elementwise k) {
    MethodBuilder mb = new MethodBuilder();
    String out = mb.param("float[]", cg.arrayOf(k.output()));
    Body b = new Body(mb, cg.shapeOf(k.output()));
    b.compute(k.nodes());
    String result = b.ref(k.output());
    JavaWriter w = mb.body;
    w.open("for (int r = 0; r < " + b.rows() + "; r++)");
    JavaWriter pre = new JavaWriter();
    JavaWriter loop = new JavaWriter();
    b.prelude(pre);
    b.loads(loop);
    indentInto(w, pre);
    w.open("for (int j = 0; j < " + b.inner() + "; j++)");
    indentInto(w, loop);
    w.line(b.store(out) + " = " + result + ";");
    w.close();
    b.flush(w, out);
    w.close();
    return mb;
  }

  /** A row kernel: softmax, layer norm or reduction over the last axis. */
  MethodBuilder row(Kernel.Row k, ShapeRef xShape) {
    MethodBuilder mb = new MethodBuilder();
    String out = mb.param("float[]", cg.arrayOf(k.output()));
    Body b = new Body(mb, xShape);
    b.compute(k.prologue());
    String x = b.ref(k.x());
    JavaWriter w = mb.body;
    String n = b.inner();
    w.open("for (int r = 0; r < " + b.rows() + "; r++)");
    JavaWriter pre = new JavaWriter();
    JavaWriter loop = new JavaWriter();
    b.forceRowCopies =
        k.op() == Kernel.RowOp.LAYER_NORM && (k.scale() != null || k.bias() != null);
    b.prelude(pre);
    b.loads(loop);
    indentInto(w, pre);
    boolean reduce = k.op() == Kernel.RowOp.REDUCE_MEAN || k.op() == Kernel.RowOp.REDUCE_SUM;
    if (reduce) {
      w.line("double acc = 0;");
      w.open("for (int j = 0; j < " + n + "; j++)");
      indentInto(w, loop);
      w.line("acc += " + x + ";");
      w.close();
      w.line(out + "[r] = (float) " + (k.op() == Kernel.RowOp.REDUCE_MEAN ? "(acc / " + n + ")"
          : "acc") + ";");
      w.close();
      return mb;
    }
    w.open("for (int j = 0; j < " + n + "; j++)");
    indentInto(w, loop);
    w.line(b.store(out) + " = " + x + ";");
    w.close();
    // The passes below work on the row where the loop left it (a row buffer, indexed by j alone,
    // keeps them vectorisable), which is then copied out.
    String el = b.store(out);
    if (k.op() == Kernel.RowOp.SOFTMAX) {
      w.line("RowMath.softmax(" + b.rowArray(out) + ", " + b.rowOffset() + ", " + n + ");");
    } else {
      layerNorm(w, mb, k, el, n);
    }
    b.flush(w, out);
    w.close();
    return mb;
  }

  private void layerNorm(JavaWriter w, MethodBuilder mb, Kernel.Row k, String el, String n) {
    w.line("int lnEnd = " + n + " - " + n + " % " + SUM_CHAINS + ";");
    sumInChains(w, "s", el, n);
    w.line("double mu = s / " + n + ";");
    sumInChains(w, "sq", "(" + el + " - mu) * (" + el + " - mu)", n);
    w.line("double inv = 1.0 / Math.sqrt(sq / " + n + " + " + CpuCodegen.doubleLiteral(
        k.epsilon()) + ");");
    String scale = k.scale() == null ? null : mb.param("float[]", cg.arrayOf(k.scale()));
    String bias = k.bias() == null ? null : mb.param("float[]", cg.arrayOf(k.bias()));
    // In float, so that the pass vectorises; the statistics above stay in double.
    w.line("float fm = (float) mu;");
    w.line("float fi = (float) inv;");
    w.open("for (int j = 0; j < " + n + "; j++)");
    w.line(el + " = (" + el + " - fm) * fi" + (scale == null ? "" : " * " + scale + "[j]")
        + (bias == null ? "" : " + " + bias + "[j]") + ";");
    w.close();
  }

  /**
   * Independent sums a row statistic is split into. One running double sum is a chain of
   * dependent adds (4 cycles each), which C2 cannot reorder or vectorise; four chains run four
   * adds at once. Measured: MiniLM's layer norms took 9 % of a level-3 pass with one chain.
   */
  private static final int SUM_CHAINS = 4;

  /**
   * Declares {@code double name} = the sum over j of {@code term} (an expression of j) in {@link
   * #SUM_CHAINS} chains over j below {@code lnEnd}, then the rest.
   */
  private static void sumInChains(JavaWriter w, String name, String term, String n) {
    StringBuilder chains = new StringBuilder();
    for (int c = 0; c < SUM_CHAINS; c++) {
      chains.append(c == 0 ? "" : ", ").append(name).append("Part").append(c).append(" = 0");
    }
    w.line("double " + chains + ";");
    w.open("for (int lnAt = 0; lnAt < lnEnd; lnAt += " + SUM_CHAINS + ")");
    for (int c = 0; c < SUM_CHAINS; c++) {
      w.line("{ int j = lnAt + " + c + "; " + name + "Part" + c + " += " + term + "; }");
    }
    w.close();
    w.open("for (int j = lnEnd; j < " + n + "; j++)");
    w.line(name + "Part0 += " + term + ";");
    w.close();
    StringBuilder total = new StringBuilder();
    for (int c = 0; c < SUM_CHAINS; c++) {
      total.append(c == 0 ? "" : " + ").append(name).append("Part").append(c);
    }
    w.line("double " + name + " = " + total + ";");
  }

  private static void indentInto(JavaWriter w, JavaWriter inner) {
    String prefix = "  ".repeat(w.indent());
    for (String line : inner.toString().split("\n")) {
      if (!line.isEmpty()) {
        w.raw(prefix + line + "\n");
      }
    }
  }

  /** The Java float expression of one elementwise node, from its op's lowering. */
  private String expression(Body b, Node n) {
    FusedElementwise op = ElementwiseOps.of(n);
    if (op == null) {
      throw new IllegalStateException("no fused lowering for " + n.opType());
    }
    List<String> in = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      Double e = op.inlinesConstant(i) ? FusedElementwise.scalarConstant(g, n.input(i)) : null;
      in.add(e != null ? CpuCodegen.doubleLiteral(e) : b.ref(n.input(i)));
    }
    return op.javaExpression(new FusedOperands(g, n, in));
  }
}
