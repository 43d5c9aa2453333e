package dev.ember.executor.lower;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites of a lowered graph that merge several kernels into one, for backends that have the
 * merged kernels (the CUDA backend; the CPU backend does not ask for them yet). Each rewrite
 * leaves a kernel list that computes the same values: a pattern that does not match exactly is
 * left as it was.
 *
 * <pre>{@code
 * LoweredGraph fused = Fusions.gemmGroups(Fusions.gemmEpilogue(
 *     Fusions.attention(Fusions.gemmBias(Lowering.lower(graph)), 128)));
 * }</pre>
 */
public final class Fusions {
  private Fusions() {}

  /**
   * Folds {@code Add(matmul, bias)} into the GEMM before it, where the bias is a 1-D initializer
   * over the output's last axis and nothing else reads the product: the GEMM's epilogue adds it,
   * which saves a kernel and a round trip of the product through memory.
   */
  public static LoweredGraph gemmBias(LoweredGraph l) {
    GraphIndex ix = new GraphIndex(l.graph());
    Map<String, Kernel> producer = producers(l);
    Set<Kernel> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Kernel, Kernel> replaced = new IdentityHashMap<>();
    for (Kernel k : l.kernels()) {
      if (!(k instanceof Kernel.Elementwise e) || e.nodes().size() != 1) {
        continue;
      }
      Node add = e.nodes().get(0);
      if (!add.opType().equals("Add") || add.inputs().size() != 2) {
        continue;
      }
      for (int side = 0; side < 2; side++) {
        String product = add.input(side);
        String bias = add.input(1 - side);
        if (producer.get(product) instanceof Kernel.MatMul mm && mm.c() == null
            && mm.biasAdd() == null && mm.epilogue().isEmpty() && !replaced.containsKey(mm)
            && onlyReadBy(ix, product, Set.of(add)) && isRowBias(l, bias, product)) {
          replaced.put(mm, new Kernel.MatMul(mm.node(), mm.a(), mm.b(), bias, mm.weights(),
              mm.transA(), mm.transB(), mm.alpha(), 1f, add, List.of()));
          dropped.add(e);
          break;
        }
      }
    }
    return rebuild(l, dropped, replaced);
  }

  /**
   * Folds an elementwise chain of one variable (GELU, ReLU, a scale: every other operand a
   * one-element float constant) into the GEMM whose product it alone reads: the GEMM applies it
   * to each element before the store, which saves a kernel and a round trip of the product
   * through memory. A chain that starts by adding a row bias to the product (the lowering puts
   * an FFN's bias into its GELU loop) gives the bias to the GEMM as well. Run it after {@link
   * #attention}, whose pattern wants the scale after the scores GEMM as a kernel of its own.
   */
  public static LoweredGraph gemmEpilogue(LoweredGraph l) {
    GraphIndex ix = new GraphIndex(l.graph());
    Map<String, Kernel> producer = producers(l);
    Set<Kernel> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Kernel, Kernel> replaced = new IdentityHashMap<>();
    for (Kernel k : l.kernels()) {
      if (k instanceof Kernel.Elementwise e) {
        Fold f = fold(l, ix, producer, e);
        if (f != null && !replaced.containsKey(f.gemm())) {
          replaced.put(f.gemm(), f.folded());
          dropped.add(e);
        }
      }
    }
    return rebuild(l, dropped, replaced);
  }

  /** A GEMM kernel and what it becomes with an elementwise chain in its epilogue. */
  private record Fold(Kernel.MatMul gemm, Kernel.MatMul folded) {}

  /** The GEMM that can compute {@code e} in its epilogue, or null when there is none. */
  private static Fold fold(LoweredGraph l, GraphIndex ix, Map<String, Kernel> producer,
      Kernel.Elementwise e) {
    List<Node> chain = e.nodes();
    String variable = soleVariable(l, chain);
    if (variable != null) {
      return producer.get(variable) instanceof Kernel.MatMul mm && mm.epilogue().isEmpty()
          && onlyReadBy(ix, variable, Set.copyOf(chain)) && sameShape(l, variable, e.output())
          ? new Fold(mm, mm.withEpilogue(chain)) : null;
    }
    // product + row bias, then a chain of that sum alone
    Node add = chain.get(0);
    List<Node> rest = chain.subList(1, chain.size());
    if (!add.opType().equals("Add") || add.inputs().size() != 2
        || !add.outputs().get(0).equals(soleVariable(l, rest))) {
      return null;
    }
    for (int side = 0; side < 2; side++) {
      String product = add.input(side);
      String bias = add.input(1 - side);
      if (producer.get(product) instanceof Kernel.MatMul mm && mm.c() == null
          && mm.biasAdd() == null && mm.epilogue().isEmpty()
          && onlyReadBy(ix, product, Set.of(add)) && isRowBias(l, bias, product)
          && sameShape(l, product, e.output())) {
        return new Fold(mm, new Kernel.MatMul(mm.node(), mm.a(), mm.b(), bias, mm.weights(),
            mm.transA(), mm.transB(), mm.alpha(), 1f, add, rest));
      }
    }
    return null;
  }

  /**
   * Computes weight GEMMs that read one input (a transformer's Q, K and V projections) as one
   * {@link Kernel.GemmGroup}: their weights and biases laid side by side as new initializers, one
   * GEMM launch whose output rows hold every member's row. Only products that reach nothing but
   * fused attention (through views) are grouped, since attention reads Q, K and V with a row
   * stride; the others keep their GEMMs. Run it last: it wants {@link #attention}'s kernels and
   * {@link #gemmBias}'s biases.
   */
  public static LoweredGraph gemmGroups(LoweredGraph l) {
    GraphIndex ix = new GraphIndex(l.graph());
    Map<Node, Kernel> kernelOf = new IdentityHashMap<>();
    for (Kernel k : l.kernels()) {
      k.nodes().forEach(n -> kernelOf.put(n, k));
    }
    Map<String, List<Kernel.MatMul>> byInput = new LinkedHashMap<>();
    for (Kernel k : l.kernels()) {
      if (k instanceof Kernel.MatMul mm && groupable(l, mm)
          && readAsRowsByAttention(l, ix, kernelOf, mm.output(), lastDim(l, mm.output()))) {
        String key = mm.a() + "\0" + mm.alpha() + "\0" + (mm.c() != null);
        byInput.computeIfAbsent(key, x -> new ArrayList<>()).add(mm);
      }
    }
    Map<String, Tensor> initializers = new LinkedHashMap<>(l.graph().initializers());
    Map<String, TensorType> types = new LinkedHashMap<>(l.graph().valueTypes());
    Set<Kernel> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Kernel, Kernel> replaced = new IdentityHashMap<>();
    for (List<Kernel.MatMul> members : byInput.values()) {
      if (members.size() < 2) {
        continue;
      }
      replaced.put(members.get(0), group(l, members, initializers, types));
      dropped.addAll(members.subList(1, members.size()));
    }
    if (replaced.isEmpty()) {
      return l;
    }
    Graph g = l.graph();
    return rebuild(new LoweredGraph(g.with(g.nodes(), g.outputs(), initializers, types),
        l.kernels(), l.explain()), dropped, replaced);
  }

  /** A plain weight GEMM, its bias (if any) a row bias, its weight a float [K, N] matrix. */
  private static boolean groupable(LoweredGraph l, Kernel.MatMul mm) {
    Tensor w = l.graph().initializers().get(mm.b());
    int[] out = dims(l, mm.output());
    return mm.weights() && !mm.transA() && !mm.transB() && mm.epilogue().isEmpty()
        && w != null && w.dtype() == DType.FLOAT && w.shape().length == 2 && out != null
        && out[out.length - 1] == w.shape()[1]
        && (mm.c() == null || mm.biasAdd() != null && mm.beta() == 1f
            && l.graph().initializers().get(mm.c()).size() == w.shape()[1]);
  }

  /**
   * Whether every reader of {@code value} (rows of {@code width} floats) is a view that keeps
   * those rows, ending at an attention kernel's Q, K or V, whose heads times head size is
   * {@code width}.
   */
  private static boolean readAsRowsByAttention(LoweredGraph l, GraphIndex ix,
      Map<Node, Kernel> kernelOf, String value, int width) {
    if (ix.outputs.contains(value)) {
      return false;
    }
    List<Node> readers = ix.consumers.getOrDefault(value, List.of());
    if (readers.isEmpty()) {
      return false;
    }
    for (Node n : readers) {
      Kernel k = kernelOf.get(n);
      if (k instanceof Kernel.View v) {
        if (!readAsRowsByAttention(l, ix, kernelOf, v.output(), width)) {
          return false;
        }
      } else if (k instanceof Kernel.Attention a
          && (value.equals(a.q()) || value.equals(a.k()) || value.equals(a.v()))) {
        int[] d = dims(l, value);
        if (d == null || d.length != 4 || d[2] * d[3] != width) {
          return false;
        }
      } else {
        return false;
      }
    }
    return true;
  }

  private static int lastDim(LoweredGraph l, String value) {
    int[] d = dims(l, value);
    return d == null || d.length == 0 ? -1 : d[d.length - 1];
  }

  /** The group of {@code members}, its merged weight, bias and output type added to the maps. */
  private static Kernel.GemmGroup group(LoweredGraph l, List<Kernel.MatMul> members,
      Map<String, Tensor> initializers, Map<String, TensorType> types) {
    Kernel.MatMul first = members.get(0);
    String base = fresh(l, first.node().name() + "/group");
    int k = l.graph().initializers().get(first.b()).shape()[0];
    int[] offsets = new int[members.size()];
    int width = 0;
    for (int i = 0; i < members.size(); i++) {
      offsets[i] = width;
      width += lastDim(l, members.get(i).output());
    }
    String weight = fresh(l, base + ".weight");
    initializers.put(weight, SideBySide.of(members.stream()
        .map(m -> l.graph().initializers().get(m.b())).toList(), new int[] {k, width}));
    String biasName = null;
    if (first.c() != null) {
      biasName = fresh(l, base + ".bias");
      initializers.put(biasName, SideBySide.of(members.stream()
          .map(m -> l.graph().initializers().get(m.c())).toList(), new int[] {width}));
    }
    int[] out = dims(l, first.output()).clone();
    out[out.length - 1] = width;
    String output = fresh(l, base);
    types.put(output, new TensorType(DType.FLOAT, dev.ember.executor.ir.Shape.of(out)));
    Node node = new Node(base, "MatMul", "", first.node().opset(), List.of(first.a(), weight),
        List.of(output), Attributes.empty());
    Kernel.MatMul merged = new Kernel.MatMul(node, first.a(), weight, biasName, true, false,
        false, first.alpha(), biasName == null ? first.beta() : 1f, null, List.of());
    return new Kernel.GemmGroup(merged, members, offsets);
  }

  /** {@code name}, or it with a number appended, so that it names no value of the graph. */
  private static String fresh(LoweredGraph l, String name) {
    String n = name;
    for (int i = 2; l.graph().typeOf(n) != null; i++) {
      n = name + "." + i;
    }
    return n;
  }

  /** Whether both values have one static shape (a chain then maps elements one to one). */
  private static boolean sameShape(LoweredGraph l, String a, String b) {
    int[] da = dims(l, a);
    return da != null && Arrays.equals(da, dims(l, b));
  }

  /**
   * The one value {@code chain} reads that is neither its own nor a one-element float constant,
   * when every value in the chain is a float; else null (also for an empty chain).
   */
  private static String soleVariable(LoweredGraph l, List<Node> chain) {
    Set<String> own = new HashSet<>();
    String variable = null;
    for (Node n : chain) {
      if (ElementwiseOps.of(n) == null) {
        return null;
      }
      for (String in : n.inputs()) {
        if (in.isEmpty() || own.contains(in) || Lowering.scalar(l.graph(), in) != null) {
          continue;
        }
        if (variable != null && !variable.equals(in)) {
          return null;
        }
        variable = in;
      }
      for (String out : n.outputs()) {
        var t = l.graph().typeOf(out);
        if (t == null || t.dtype() != DType.FLOAT) {
          return null;
        }
        own.add(out);
      }
    }
    var t = variable == null ? null : l.graph().typeOf(variable);
    return t != null && t.dtype() == DType.FLOAT ? variable : null;
  }

  /**
   * Replaces each multi-head attention block of a transformer encoder (the layout ONNX exporters
   * write for BERT-style models) with one {@link Kernel.Attention}: the head transposes of Q, K
   * and V, the scores GEMM, the scale and mask before softmax, softmax, the context GEMM and the
   * transpose back. Heads wider than {@code maxHeadDim} are left alone.
   */
  public static LoweredGraph attention(LoweredGraph l, int maxHeadDim) {
    GraphIndex ix = new GraphIndex(l.graph());
    Map<String, Kernel> producer = producers(l);
    Set<Kernel> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Kernel, Kernel> replaced = new IdentityHashMap<>();
    for (Kernel k : l.kernels()) {
      if (k instanceof Kernel.Transpose back && Arrays.equals(back.perm(), HEADS)) {
        Match m = match(l, ix, producer, back, maxHeadDim);
        if (m != null) {
          dropped.addAll(m.parts);
          dropped.remove(back);
          replaced.put(back, m.kernel);
        }
      }
    }
    return rebuild(l, dropped, replaced);
  }

  /** [b, s, h, d] to [b, h, s, d] and back. */
  private static final int[] HEADS = {0, 2, 1, 3};

  /** [b, s, h, d] to [b, h, d, s]: K laid out for q k^T. */
  private static final int[] KEYS_T = {0, 2, 3, 1};

  private record Match(Kernel.Attention kernel, List<Kernel> parts) {}

  /** The attention block that ends in {@code back} (context [b,h,s,d] to [b,s,h,d]), or null. */
  private static Match match(LoweredGraph l, GraphIndex ix, Map<String, Kernel> producer,
      Kernel.Transpose back, int maxHeadDim) {
    String context = back.node().input(0);
    if (!(producer.get(context) instanceof Kernel.MatMul pv) || !plainBatched(pv)
        || !(producer.get(pv.a()) instanceof Kernel.Row sm)
        || sm.op() != Kernel.RowOp.SOFTMAX
        || !(producer.get(pv.b()) instanceof Kernel.Transpose vt)
        || !Arrays.equals(vt.perm(), HEADS)) {
      return null;
    }
    // Softmax's input comes from the scores GEMM through the prologue (scale, mask) or directly.
    String scores = null;
    Set<String> inside = new HashSet<>();
    for (Node n : sm.prologue()) {
      inside.add(n.outputs().get(0));
    }
    for (Node n : sm.prologue()) {
      for (String in : n.inputs()) {
        if (!inside.contains(in) && producer.get(in) instanceof Kernel.MatMul) {
          if (scores != null && !scores.equals(in)) {
            return null;
          }
          scores = in;
        }
      }
    }
    if (sm.prologue().isEmpty()) {
      scores = sm.x();
    }
    if (scores == null || !(producer.get(scores) instanceof Kernel.MatMul qk)
        || !plainBatched(qk)
        || !(producer.get(qk.a()) instanceof Kernel.Transpose qt)
        || !Arrays.equals(qt.perm(), HEADS)
        || !(producer.get(qk.b()) instanceof Kernel.Transpose kt)
        || !Arrays.equals(kt.perm(), KEYS_T)) {
      return null;
    }
    String q = qt.node().input(0);
    String k = kt.node().input(0);
    String v = vt.node().input(0);
    int[] qd = dims(l, q);
    if (qd == null || qd.length != 4 || qd[3] > maxHeadDim || !Arrays.equals(qd, dims(l, k))
        || !Arrays.equals(qd, dims(l, v)) || !Arrays.equals(qd, dims(l, back.output()))) {
      return null;
    }
    // The other operands of the scale and mask must not depend on anything fused away.
    List<Kernel> parts = List.of(qt, kt, vt, qk, sm, pv, back);
    List<Node> nodes = new ArrayList<>();
    parts.forEach(p -> nodes.addAll(p.nodes()));
    Set<String> made = new HashSet<>();
    nodes.forEach(n -> made.addAll(n.outputs()));
    for (Node n : sm.prologue()) {
      for (String in : n.inputs()) {
        if (made.contains(in) && !in.equals(scores) && !inside.contains(in)) {
          return null;
        }
      }
    }
    Set<Node> fused = Collections.newSetFromMap(new IdentityHashMap<>());
    fused.addAll(nodes);
    for (String internal : List.of(qt.output(), kt.output(), vt.output(), scores, sm.output(),
        context)) {
      if (!onlyReadBy(ix, internal, fused)) {
        return null;
      }
    }
    for (Node n : sm.prologue()) {
      if (!onlyReadBy(ix, n.outputs().get(0), fused)) {
        return null;
      }
    }
    nodes.sort((x, y) -> Integer.compare(ix.position.get(x), ix.position.get(y)));
    return new Match(new Kernel.Attention(nodes, q, k, v, scores, sm.prologue(), sm.x(),
        back.output()), parts);
  }

  private static boolean plainBatched(Kernel.MatMul m) {
    return !m.weights() && m.c() == null && m.biasAdd() == null && m.epilogue().isEmpty()
        && !m.transA() && !m.transB()
        && m.alpha() == 1f;
  }

  /** Whether every reader of {@code value} is in {@code readers} and it is no graph output. */
  private static boolean onlyReadBy(GraphIndex ix, String value, Set<Node> readers) {
    if (ix.outputs.contains(value)) {
      return false;
    }
    for (Node n : ix.consumers.getOrDefault(value, List.of())) {
      if (!readers.contains(n)) {
        return false;
      }
    }
    return true;
  }

  /** A float initializer of shape [n] (or [1, ..., n]) where n is {@code product}'s last dim. */
  private static boolean isRowBias(LoweredGraph l, String bias, String product) {
    Tensor t = l.graph().initializers().get(bias);
    int[] pd = dims(l, product);
    if (t == null || pd == null || pd.length == 0 || t.dtype() != DType.FLOAT
        || l.graph().typeOf(product).dtype() != DType.FLOAT) {
      return false;
    }
    int[] bd = t.shape();
    for (int i = 0; i < bd.length - 1; i++) {
      if (bd[i] != 1) {
        return false;
      }
    }
    return bd.length >= 1 && bd.length <= pd.length && bd[bd.length - 1] == pd[pd.length - 1];
  }

  private static int[] dims(LoweredGraph l, String value) {
    var t = l.graph().typeOf(value);
    return t == null || !t.shape().isStatic() ? null : t.shape().toIntArray();
  }

  private static Map<String, Kernel> producers(LoweredGraph l) {
    Map<String, Kernel> p = new HashMap<>();
    for (Kernel k : l.kernels()) {
      p.put(k.output(), k);
    }
    return p;
  }

  /**
   * {@code l}'s kernels without {@code dropped} and with {@code replaced} swapped in, every node
   * explained again (kernel numbers moved).
   */
  private static LoweredGraph rebuild(LoweredGraph l, Set<Kernel> dropped,
      Map<Kernel, Kernel> replaced) {
    if (dropped.isEmpty() && replaced.isEmpty()) {
      return l;
    }
    List<Kernel> kernels = new ArrayList<>();
    for (Kernel k : l.kernels()) {
      if (!dropped.contains(k)) {
        kernels.add(replaced.getOrDefault(k, k));
      }
    }
    Map<String, String> explain = new LinkedHashMap<>(l.explain());
    for (int i = 0; i < kernels.size(); i++) {
      for (Node n : kernels.get(i).nodes()) {
        explain.put(n.name(), Lowering.describe(kernels.get(i), i, n));
      }
    }
    return new LoweredGraph(l.graph(), kernels, explain);
  }
}
