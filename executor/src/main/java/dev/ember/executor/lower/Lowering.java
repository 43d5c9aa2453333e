package dev.ember.executor.lower;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Partitions a graph into {@link Kernel}s: row kernels first (pattern matches), then single-node
 * kernels (GEMM, gather, transpose, views, Shape), then elementwise nodes grouped backwards from
 * their consumers into fused loops or row-kernel prologues; the rest falls back to reference
 * kernels with a reason. The result is deterministic for a given graph.
 *
 * <pre>{@code
 * LoweredGraph lowered = Lowering.lower(Specializer.specialize(graph, shapes));
 * lowered.explain().forEach((node, why) -> System.out.println(node + ": " + why));
 * }</pre>
 */
public final class Lowering {
  /** Most nodes in one fused loop, so that each generated method stays small for the JIT. */
  static final int MAX_GROUP = 24;

  private static final Set<String> VIEWS =
      Set.of("Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity");

  private final GraphIndex ix;
  private final Map<Node, Object> owner = new IdentityHashMap<>();
  private final Map<Node, String> fallbackReason = new IdentityHashMap<>();

  private Lowering(Graph g) {
    this.ix = new GraphIndex(g);
  }

  /** Lowers {@code g}; never fails for a graph the interpreter can run. */
  public static LoweredGraph lower(Graph g) {
    return new Lowering(g).run();
  }

  /** A fused loop being grown backwards from its root. */
  private static final class Group {
    final Node root;
    final List<Node> members = new ArrayList<>();

    Group(Node root) {
      this.root = root;
      members.add(root);
    }
  }

  /** A row kernel whose prologue grows backwards from its input x. */
  private static final class RowBuild {
    final Kernel.Row row;
    final List<Node> prologue = new ArrayList<>();

    RowBuild(Kernel.Row row) {
      this.row = row;
    }
  }

  private LoweredGraph run() {
    List<Node> nodes = ix.graph.nodes();
    RowPatterns rows = new RowPatterns(ix);
    for (Node n : nodes) {
      if (owner.containsKey(n)) {
        continue;
      }
      Kernel.Row row = rows.match(n);
      if (row != null && row.body().stream().noneMatch(owner::containsKey)) {
        RowBuild rb = new RowBuild(row);
        row.body().forEach(b -> owner.put(b, rb));
      }
    }
    for (Node n : nodes) {
      if (!owner.containsKey(n)) {
        Kernel k = single(n);
        if (k != null) {
          owner.put(n, k);
        }
      }
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (owner.containsKey(n)) {
        continue;
      }
      String why = ElementwiseOps.whyNot(ix.graph, n);
      if (why != null) {
        owner.put(n, new Kernel.Fallback(n, why));
        continue;
      }
      owner.put(n, groupFor(n));
    }
    return assemble(nodes);
  }

  /** The group or row prologue {@code n} joins, or a new group rooted at {@code n}. */
  private Object groupFor(Node n) {
    String out = n.outputs().get(0);
    List<Node> users = ix.consumers(out);
    if (ix.outputs.contains(out) || users.isEmpty()) {
      return new Group(n);
    }
    Object target = owner.get(users.get(0));
    for (Node u : users) {
      if (owner.get(u) != target) {
        return new Group(n);
      }
    }
    if (target instanceof Group g && g.members.size() < MAX_GROUP
        && ix.sameShape(out, g.root.outputs().get(0))) {
      g.members.add(n);
      return g;
    }
    if (target instanceof RowBuild rb && rb.prologue.size() < MAX_GROUP
        && ix.sameShape(out, rb.row.x())) {
      boolean readsX = out.equals(rb.row.x());
      boolean feedsPrologue = users.stream().allMatch(rb.prologue::contains);
      if (readsX || feedsPrologue) {
        rb.prologue.add(n);
        return rb;
      }
    }
    return new Group(n);
  }

  /** GEMM, gather, transpose, view and Shape kernels for one node, or null. */
  private Kernel single(Node n) {
    if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
      return null;
    }
    switch (n.opType()) {
      case "MatMul":
        return matMul(n);
      case "Gemm":
        return gemm(n);
      case "Gather":
        return gather(n);
      case "Transpose":
        return transpose(n);
      case "Shape":
        return n.outputs().size() == 1 && ix.shape(n.input(0)).rankKnown()
            ? new Kernel.ShapeOf(n) : null;
      default:
        return VIEWS.contains(n.opType()) ? view(n) : null;
    }
  }

  private boolean isFloat(String v) {
    TensorType t = ix.type(v);
    return t != null && t.dtype() == DType.FLOAT && t.shape().rankKnown();
  }

  private Kernel matMul(Node n) {
    String a = n.input(0);
    String b = n.input(1);
    if (!isFloat(a) || !isFloat(b) || !isFloat(n.outputs().get(0))) {
      return fallback(n, "MatMul on non-float or unknown-rank operands");
    }
    Shape sa = ix.shape(a);
    Shape sb = ix.shape(b);
    if (sa.rank() < 2 || sb.rank() < 2) {
      return fallback(n, "MatMul with a 1-D operand");
    }
    if (sb.rank() == 2 && ix.isInitializer(b)) {
      return new Kernel.MatMul(n, a, b, null, true, false, false, 1f, 0f);
    }
    if (sa.rank() != sb.rank()) {
      return fallback(n, "batched MatMul whose operands differ in rank");
    }
    for (int i = 0; i < sa.rank() - 2; i++) {
      if (sa.dim(i).isFixed() && sb.dim(i).isFixed() && sa.dim(i).size() != sb.dim(i).size()) {
        return fallback(n, "batched MatMul with broadcast batch dims");
      }
    }
    return new Kernel.MatMul(n, a, b, null, false, false, false, 1f, 0f);
  }

  private Kernel gemm(Node n) {
    String a = n.input(0);
    String b = n.input(1);
    String c = n.input(2);
    if (!isFloat(a) || !isFloat(b) || !c.isEmpty() && !isFloat(c)) {
      return fallback(n, "Gemm on non-float or unknown-rank operands");
    }
    if (ix.shape(a).rank() != 2 || ix.shape(b).rank() != 2
        || !c.isEmpty() && ix.shape(c).rank() > 2 || n.opset() < 7) {
      return fallback(n, "Gemm with unusual operand ranks or opset < 7");
    }
    float beta = n.attrs().getFloat("beta", 1f);
    return new Kernel.MatMul(n, a, b, c.isEmpty() || beta == 0f ? null : c, ix.isInitializer(b),
        n.attrs().getInt("transA", 0) != 0, n.attrs().getInt("transB", 0) != 0,
        n.attrs().getFloat("alpha", 1f), beta);
  }

  private Kernel gather(Node n) {
    TensorType idx = ix.type(n.input(1));
    if (!isFloat(n.input(0)) || idx == null || !idx.shape().rankKnown()
        || idx.dtype() != DType.INT64 && idx.dtype() != DType.INT32
        || n.attrs().getInt("axis", 0) != 0 || ix.shape(n.input(0)).rank() < 1) {
      return fallback(n, "Gather other than float rows along axis 0 with integer indices");
    }
    return new Kernel.Gather(n);
  }

  private Kernel transpose(Node n) {
    String x = n.input(0);
    if (!isFloat(x)) {
      return fallback(n, "Transpose of a non-float or unknown-rank value");
    }
    int rank = ix.shape(x).rank();
    long[] p = n.attrs().getInts("perm");
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = p == null ? rank - 1 - i : (int) p[i];
    }
    if (p != null && p.length != rank) {
      return fallback(n, "perm does not match the rank");
    }
    return new Kernel.Transpose(n, perm);
  }

  private Kernel view(Node n) {
    String out = n.outputs().get(0);
    TensorType t = ix.type(out);
    if (n.outputs().size() != 1 || t == null || !t.shape().rankKnown()
        || !ix.shape(n.input(0)).rankKnown()) {
      return fallback(n, "view whose output rank is unknown");
    }
    if (n.opType().equals("Reshape") && !n.input(1).isEmpty() && !t.shape().isStatic()) {
      TensorType st = ix.type(n.input(1));
      if (st == null || st.dtype() != DType.INT64) {
        return fallback(n, "Reshape with a non-int64 shape");
      }
    }
    return new Kernel.View(n);
  }

  private Kernel fallback(Node n, String why) {
    fallbackReason.put(n, why);
    return new Kernel.Fallback(n, why);
  }

  /** Emits each kernel at the position of its last node, and the per-node explanations. */
  private LoweredGraph assemble(List<Node> nodes) {
    Map<Object, Node> last = new IdentityHashMap<>();
    for (Node n : nodes) {
      last.put(owner.get(n), n);
    }
    List<Kernel> kernels = new ArrayList<>();
    Map<String, String> explain = new LinkedHashMap<>();
    Map<Object, Integer> numberOf = new HashMap<>();
    for (Node n : nodes) {
      Object o = owner.get(n);
      if (last.get(o) != n) {
        continue;
      }
      Kernel k = toKernel(o, nodes);
      numberOf.put(o, kernels.size());
      kernels.add(k);
    }
    for (Node n : nodes) {
      Object o = owner.get(n);
      explain.put(n.name(), describe(kernels.get(numberOf.get(o)), numberOf.get(o), n));
    }
    return new LoweredGraph(ix.graph, kernels, explain);
  }

  private Kernel toKernel(Object o, List<Node> order) {
    if (o instanceof Kernel k) {
      return k;
    }
    if (o instanceof Group g) {
      List<Node> members = new ArrayList<>(g.members);
      members.sort((x, y) -> Integer.compare(ix.position.get(x), ix.position.get(y)));
      return new Kernel.Elementwise(members, g.root.outputs().get(0));
    }
    RowBuild rb = (RowBuild) o;
    List<Node> pro = new ArrayList<>(rb.prologue);
    pro.sort((x, y) -> Integer.compare(ix.position.get(x), ix.position.get(y)));
    Kernel.Row r = rb.row;
    return new Kernel.Row(r.op(), pro, r.x(), r.body(), r.output(), r.epsilon(), r.scale(),
        r.bias());
  }

  static String describe(Kernel k, int index, Node n) {
    String where = "kernel #" + index + " " + k.label();
    if (k instanceof Kernel.Fallback f) {
      return "reference kernel (#" + index + "): " + f.reason();
    }
    if (k instanceof Kernel.Elementwise e) {
      return (e.nodes().size() == 1 ? "own loop, " : "fused into ") + where + " with output '"
          + e.output() + "'";
    }
    if (k instanceof Kernel.Row r) {
      return (r.prologue().contains(n) ? "prologue of " : "part of ") + where;
    }
    if (k instanceof Kernel.MatMul m) {
      if (n == m.biasAdd()) {
        return "bias added by the epilogue of " + where;
      }
      if (m.epilogue().contains(n)) {
        return "applied by the epilogue of " + where;
      }
      return where + (m.weights() ? ": B is a weight, prepared once" : ": one GEMM per matrix");
    }
    if (k instanceof Kernel.GemmGroup gg) {
      return "part of " + where + " (one GEMM for the " + gg.members().size()
          + " weight GEMMs of '" + gg.merged().a() + "')";
    }
    if (k instanceof Kernel.Attention) {
      return "part of " + where + " (scores, scale, mask, softmax and context in one kernel)";
    }
    return where;
  }

  /** The value {@code t} as a float constant when it is a one-element initializer. */
  static Float scalar(Graph g, String value) {
    Tensor t = g.initializers().get(value);
    return t != null && t.size() == 1 && t.dtype() == DType.FLOAT ? t.rawFloats()[0] : null;
  }
}
