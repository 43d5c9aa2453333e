package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.lower.BufferPlan;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.lower.LoweredGraph;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a lowered graph into the Java source of one class extending {@link CpuProgram}: constant
 * fields ({@code const_N...}, the persistent buffers), a constructor that prepares GEMM weights,
 * and {@code body} calling {@code partN} methods (a few kernels each, so that no method nears the
 * JIT's 8,000-byte limit); and of a kernel library class {@code KernelLib_<hash>} with one static
 * method per distinct kernel, sizes passed as arguments, named by a hash of its text so that
 * variants with the same kernels share it ({@link KernelLibraries}). The same lowered graph
 * always gives the same text.
 */
final class CpuCodegen {
  /** Kernels per part method; a part is a list of calls, about 40-150 bytes of bytecode each. */
  static final int KERNELS_PER_PART = 16;

  private final LoweredGraph lowered;
  private final Graph g;
  private final BufferPlan plan;
  private final String className;
  private final LoopEmitter loops;
  private final CpuTreeEmitter trees = new CpuTreeEmitter(this);
  private final Map<String, Integer> constIndex = new LinkedHashMap<>();
  private final Set<String> arrayConsts = new LinkedHashSet<>();
  private final Set<String> tensorConsts = new LinkedHashSet<>();
  private final Map<String, String> weightConsts = new LinkedHashMap<>();
  private final Map<String, String> methodByBody = new LinkedHashMap<>();
  private final List<String> methods = new ArrayList<>();
  /** Nested classes of the program itself (forests): model-specific, never shared. */
  private final List<String> members = new ArrayList<>();
  private final List<Node> fallbacks = new ArrayList<>();
  private int locals;

  /** Stands for the kernel library's class name in calls, until the library's text is known. */
  private static final String LIBRARY = "KERNEL_LIBRARY";

  /**
   * The generated classes and what the program's constructor expects.
   *
   * @param className the program class (extends {@link CpuProgram})
   * @param programSource its source
   * @param libraryName the kernel library class, or null when the graph has no loop kernels
   * @param librarySource its source, or null
   */
  record Generated(
      String className,
      String programSource,
      String libraryName,
      String librarySource,
      List<String> constants,
      List<Node> fallbacks) {

    /** Both sources, library last: what variants keep and the cache compares. */
    String source() {
      return librarySource == null ? programSource : programSource + "\n" + librarySource;
    }
  }

  CpuCodegen(LoweredGraph lowered, BufferPlan plan, String className) {
    this.lowered = lowered;
    this.g = lowered.graph();
    this.plan = plan;
    this.className = className;
    this.loops = new LoopEmitter(this);
  }

  Graph graph() {
    return g;
  }

  Generated generate() {
    JavaWriter parts = new JavaWriter();
    List<Kernel> kernels = lowered.kernels();
    int partCount = 0;
    for (int i = 0; i < kernels.size(); i++) {
      if (i % KERNELS_PER_PART == 0) {
        if (i > 0) {
          parts.close().line("");
        }
        parts.open("private void part" + partCount++ + "(Frame f)");
      }
      Kernel k = kernels.get(i);
      parts.line("// #" + i + " " + k.label() + ": " + comment(k));
      emit(parts, k);
    }
    if (partCount > 0) {
      parts.close().line("");
    }
    parts.open("private void finish(Frame f)");
    for (int i = 0; i < g.outputs().size(); i++) {
      parts.line("f.out[" + i + "] = " + outputTensor(g.outputs().get(i).name()) + ";");
    }
    parts.close();
    String library = methods.isEmpty() ? null : library();
    String libraryName = library == null ? null : libraryName(library);
    String partsText = parts.toString();
    if (libraryName != null) {
      library = library.replace(LIBRARY, libraryName);
      partsText = partsText.replace(LIBRARY + ".", libraryName + ".");
    }
    return new Generated(className, assemble(partsText, partCount), libraryName, library,
        List.copyOf(constIndex.keySet()), List.copyOf(fallbacks));
  }

  /** The kernel library's source, its class name still {@link #LIBRARY}. */
  private String library() {
    JavaWriter w = new JavaWriter();
    w.line("package dev.ember.generated;").line("");
    w.line("import dev.ember.executor.backend.cpu.CpuMath;");
    w.line("import dev.ember.executor.backend.cpu.RowMath;");
    w.line("import dev.ember.executor.backend.cpu.CpuRuntime;").line("");
    w.line("/** Kernels generated by Ember's cpu-janino backend, shared by every variant whose"
        + " kernels have this text. */");
    w.open("public final class " + LIBRARY);
    w.line("private " + LIBRARY + "() {}");
    String indent = "  ".repeat(w.indent());
    for (String m : methods) {
      w.line("");
      for (String line : m.split("\n")) {
        w.raw(line.isEmpty() ? "\n" : indent + line + "\n");
      }
    }
    w.close();
    return w.toString();
  }

  /** {@code KernelLib_} and 16 hex digits of the SHA-256 of the library's text. */
  private static String libraryName(String library) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(library.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder("KernelLib_");
      for (int i = 0; i < 8; i++) {
        sb.append(String.format("%02x", h[i]));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private String assemble(String partsText, int partCount) {
    JavaWriter w = new JavaWriter();
    w.line("package dev.ember.generated;").line("");
    w.line("import dev.ember.executor.backend.cpu.CpuMath;");
    w.line("import dev.ember.executor.backend.cpu.RowMath;");
    w.line("import dev.ember.executor.backend.cpu.CpuProgram;");
    w.line("import dev.ember.executor.backend.cpu.CpuRuntime;");
    w.line("import dev.ember.executor.backend.cpu.Frame;");
    w.line("import dev.ember.executor.backend.cpu.gemm.Gemm;");
    w.line("import dev.ember.executor.ir.DType;");
    w.line("import dev.ember.executor.ir.Tensor;").line("");
    w.line("/** Generated by Ember's cpu-janino backend from graph '" + clean(g.name()) + "': "
        + lowered.kernels().size() + " kernels, " + plan.slotCount() + " arena slots. */");
    w.open("public final class " + className + " extends CpuProgram");
    for (Map.Entry<String, Integer> e : constIndex.entrySet()) {
      String name = e.getKey();
      int i = e.getValue();
      Tensor t = g.initializers().get(name);
      String comment = " // '" + clean(name) + "' " + t.type();
      if (arrayConsts.contains(name)) {
        w.line("private final " + javaScalar(t.dtype()) + "[] const_" + i + ";" + comment);
      }
      if (tensorConsts.contains(name)) {
        w.line("private final Tensor const_" + i + "_t;" + comment);
      }
      if (weightConsts.containsKey(name)) {
        w.line("private final Gemm.Prepared const_" + i + "_w;" + comment);
      }
    }
    w.line("");
    w.open("public " + className + "(Tensor[] consts, CpuRuntime rt)");
    w.line("super(rt, " + plan.frameSize() + ", " + g.outputs().size() + ");");
    for (Map.Entry<String, Integer> e : constIndex.entrySet()) {
      String name = e.getKey();
      int i = e.getValue();
      Tensor t = g.initializers().get(name);
      if (arrayConsts.contains(name)) {
        w.line("const_" + i + " = consts[" + i + "]." + rawAccessor(t.dtype()) + "();");
      }
      if (tensorConsts.contains(name)) {
        w.line("const_" + i + "_t = consts[" + i + "];");
      }
      if (weightConsts.containsKey(name)) {
        w.line("const_" + i + "_w = gemm.prepare(consts[" + i + "].rawFloats(), "
            + weightConsts.get(name) + ");");
      }
    }
    w.close().line("");
    w.open("protected void body(Frame f)");
    for (int p = 0; p < partCount; p++) {
      w.line("part" + p + "(f);");
    }
    w.line("finish(f);");
    w.close().line("");
    String indent = "  ".repeat(w.indent());
    for (String line : partsText.stripTrailing().split("\n", -1)) {
      w.raw(line.isEmpty() ? "\n" : indent + line + "\n");
    }
    for (String m : members) {
      w.line("");
      for (String line : m.split("\n")) {
        w.raw(line.isEmpty() ? "\n" : indent + line + "\n");
      }
    }
    w.close();
    return w.toString();
  }

  // ---- values ---------------------------------------------------------------------------

  private int constant(String name) {
    return constIndex.computeIfAbsent(name, k -> constIndex.size());
  }

  /** Java array expression holding {@code v}'s elements. */
  String arrayOf(String v) {
    BufferPlan.Home h = plan.home(v);
    switch (h) {
      case CONST:
        arrayConsts.add(v);
        return "const_" + constant(v);
      case INPUT:
      case TENSOR:
        return "f.t[" + plan.index(v) + "]." + rawAccessor(g.typeOf(v).dtype()) + "()";
      default:
        return "f.b[" + plan.index(v) + "]";
    }
  }

  /** Java Tensor expression for {@code v} (a copy for values in float buffers). */
  String tensorOf(String v) {
    BufferPlan.Home h = plan.home(v);
    switch (h) {
      case CONST:
        tensorConsts.add(v);
        return "const_" + constant(v) + "_t";
      case INPUT:
      case TENSOR:
        return "f.t[" + plan.index(v) + "]";
      default:
        return "CpuRuntime.copyOf(f.b[" + plan.index(v) + "], " + shapeOf(v).array() + ")";
    }
  }

  ShapeRef shapeOf(String v) {
    Shape s = g.typeOf(v).shape();
    BufferPlan.Home h = plan.home(v);
    switch (h) {
      case CONST:
        return new ShapeRef(s, null);
      case INPUT:
      case TENSOR:
        return new ShapeRef(s, "f.t[" + plan.index(v) + "]", true);
      default:
        return new ShapeRef(s, "f.s[" + plan.index(v) + "]");
    }
  }

  private String outputTensor(String v) {
    BufferPlan.Home h = plan.home(v);
    if (h == BufferPlan.Home.FRESH) {
      return "Tensor.wrap(DType.FLOAT, " + shapeOf(v).array() + ", f.b[" + plan.index(v) + "])";
    }
    return tensorOf(v);
  }

  /** Computes the runtime shape (when not static) and the buffer of a kernel's output. */
  void defineOutput(JavaWriter w, String v, String shapeExpr) {
    define(w, v, shapeExpr);
  }

  private void define(JavaWriter w, String v, String shapeExpr) {
    ShapeRef s = shapeOf(v);
    int i = plan.index(v);
    if (!s.isStatic()) {
      w.line("f.s[" + i + "] = " + shapeExpr + ";");
    }
    if (plan.home(v) == BufferPlan.Home.FRESH) {
      w.line("f.b[" + i + "] = new float[" + s.numel() + "];");
    } else {
      w.line("f.b[" + i + "] = f.a.slot(" + plan.slot(v) + ", " + s.numel() + ");");
    }
  }

  // ---- kernels --------------------------------------------------------------------------

  private void emit(JavaWriter w, Kernel k) {
    if (k instanceof Kernel.Elementwise e) {
      define(w, e.output(), broadcastOf(externalInputs(e.nodes())));
      w.line(call("ew", loops.elementwise(e)));
    } else if (k instanceof Kernel.Row r) {
      row(w, r);
    } else if (k instanceof Kernel.MatMul m) {
      new GemmEmitter(this).emit(w, m);
    } else if (k instanceof Kernel.Gather ga) {
      gather(w, ga);
    } else if (k instanceof Kernel.Transpose t) {
      transpose(w, t);
    } else if (k instanceof Kernel.View v) {
      view(w, v);
    } else if (k instanceof Kernel.ShapeOf s) {
      Node n = s.node();
      w.line("f.t[" + plan.index(s.output()) + "] = CpuRuntime.shapeTensor("
          + shapeOf(n.input(0)).array() + ", " + n.attrs().getInt("start", 0) + "L, "
          + n.attrs().getInt("end", Long.MAX_VALUE) + "L);");
    } else if (k instanceof Kernel.Attention || k instanceof Kernel.GemmGroup) {
      // Fusions.attention and gemmGroups are asked for by the CUDA backend only.
      throw new IllegalStateException("the CPU backend has no " + k.label() + " kernel");
    } else if (!trees.emit(w, (Kernel.Fallback) k)) {
      fallback(w, (Kernel.Fallback) k);
    }
  }

  /** Adds a member (a nested class) to the generated program class. */
  void addMember(String source) {
    members.add(source);
  }

  /** Registers a kernel method (once per distinct text) and returns the call statement. */
  String call(String prefix, MethodBuilder mb) {
    String key = mb.paramList() + "\n" + mb.body;
    String name = methodByBody.get(key);
    if (name == null) {
      name = prefix + methodByBody.size();
      methodByBody.put(key, name);
      JavaWriter m = new JavaWriter();
      m.open(mb.signature(name));
      m.raw(indented(mb.body.toString(), 1));
      m.close();
      methods.add(m.toString());
    }
    return LIBRARY + "." + mb.call(name);
  }

  private static String indented(String text, int levels) {
    StringBuilder sb = new StringBuilder();
    String prefix = "  ".repeat(levels);
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        sb.append(prefix).append(line).append('\n');
      }
    }
    return sb.toString();
  }

  /** Inputs of {@code nodes} that none of them produces, in first-use order. */
  List<String> externalInputs(List<Node> nodes) {
    Set<String> produced = new LinkedHashSet<>();
    Set<String> ins = new LinkedHashSet<>();
    for (Node n : nodes) {
      for (String in : n.inputs()) {
        if (!in.isEmpty() && !produced.contains(in)) {
          ins.add(in);
        }
      }
      produced.addAll(n.outputs());
    }
    return new ArrayList<>(ins);
  }

  private String broadcastOf(List<String> values) {
    List<String> parts = new ArrayList<>();
    for (String v : values) {
      parts.add(shapeOf(v).array());
    }
    return "CpuRuntime.broadcast(" + String.join(", ", parts) + ")";
  }

  private void row(JavaWriter w, Kernel.Row r) {
    ShapeRef xs;
    if (r.prologue().isEmpty()) {
      xs = shapeOf(r.x());
    } else {
      Shape t = g.typeOf(r.x()).shape();
      if (t.isStatic()) {
        xs = new ShapeRef(t, null);
      } else {
        String local = "xs" + locals++;
        w.line("int[] " + local + " = " + broadcastOf(externalInputs(r.prologue())) + ";");
        xs = new ShapeRef(t, local);
      }
    }
    boolean reduce = r.op() == Kernel.RowOp.REDUCE_MEAN || r.op() == Kernel.RowOp.REDUCE_SUM;
    boolean keep = g.typeOf(r.output()).shape().rank() == xs.rank();
    define(w, r.output(), reduce ? "CpuRuntime.reduceLast(" + xs.array() + ", " + keep + ")"
        : xs.array());
    w.line(call("row", loops.row(r, xs)));
  }

  private void gather(JavaWriter w, Kernel.Gather k) {
    Node n = k.node();
    ShapeRef data = shapeOf(n.input(0));
    ShapeRef idx = shapeOf(n.input(1));
    String out = k.output();
    define(w, out, "CpuRuntime.gather(" + data.array() + ", " + idx.array() + ")");
    MethodBuilder mb = new MethodBuilder();
    String o = mb.param("float[]", arrayOf(out));
    String d = mb.param("float[]", arrayOf(n.input(0)));
    String ix = mb.param("long[]", arrayOf(n.input(1)));
    String rows = mb.size(data.dim(0));
    String width = "1";
    for (int i = 1; i < data.rank(); i++) {
      width = MethodBuilder.mul(width, data.dim(i));
    }
    width = mb.size(width);
    String count = mb.size(idx.numel());
    JavaWriter b = mb.body;
    b.open("for (int i = 0; i < " + count + "; i++)");
    b.line("long v = " + ix + "[i];");
    b.open("if (v < 0)");
    b.line("v += " + rows + ";");
    b.close();
    b.open("if (v < 0 || v >= " + rows + ")");
    b.line("throw CpuRuntime.badIndex(" + ix + "[i], " + rows + ");");
    b.close();
    b.line("System.arraycopy(" + d + ", (int) v * " + width + ", " + o + ", i * " + width + ", "
        + width + ");");
    b.close();
    w.line(call("gather", mb));
  }

  private void transpose(JavaWriter w, Kernel.Transpose k) {
    String in = k.node().input(0);
    String out = k.output();
    ShapeRef xs = shapeOf(in);
    int[] perm = k.perm();
    define(w, out, "CpuRuntime.permute(" + xs.array() + ", " + intArray(perm) + ")");
    MethodBuilder mb = new MethodBuilder();
    String o = mb.param("float[]", arrayOf(out));
    String x = mb.param("float[]", arrayOf(in));
    int rank = perm.length;
    String[] inStride = new String[rank];
    String running = "1";
    for (int a = rank - 1; a >= 0; a--) {
      inStride[a] = running;
      running = MethodBuilder.mul(running, mb.size(xs.dim(a)));
    }
    String[] od = new String[rank];
    for (int k2 = 0; k2 < rank; k2++) {
      od[k2] = mb.size(xs.dim(perm[k2]));
    }
    JavaWriter b = mb.body;
    if (rank == 0) {
      b.line(o + "[0] = " + x + "[0];");
      w.line(call("tr", mb));
      return;
    }
    String rows = "1";
    for (int k2 = 0; k2 < rank - 1; k2++) {
      rows = MethodBuilder.mul(rows, od[k2]);
    }
    String inner = od[rank - 1];
    b.open("for (int r = 0; r < " + rows + "; r++)");
    b.line("int q = r;");
    b.line("int ib = 0;");
    for (int k2 = rank - 2; k2 >= 0; k2--) {
      b.line("ib += (q % " + od[k2] + ") * " + inStride[perm[k2]] + ";");
      b.line("q = q / " + od[k2] + ";");
    }
    b.line("int ob = r * " + inner + ";");
    String step = inStride[perm[rank - 1]];
    b.open("for (int j = 0; j < " + inner + "; j++)");
    b.line(o + "[ob + j] = " + x + "[ib + " + (step.equals("1") ? "j" : "j * " + step) + "];");
    b.close();
    b.close();
    w.line(call("tr", mb));
  }

  private void view(JavaWriter w, Kernel.View k) {
    Node n = k.node();
    String in = n.input(0);
    String out = k.output();
    Shape t = g.typeOf(out).shape();
    String shape = t.isStatic() ? new ShapeRef(t, null).array() : viewShape(n, shapeOf(in));
    if (plan.home(out) == BufferPlan.Home.ALIAS) {
      int i = plan.index(out);
      if (!t.isStatic()) {
        w.line("f.s[" + i + "] = " + shape + ";");
      }
      w.line("f.b[" + i + "] = f.b[" + plan.index(in) + "];");
    } else {
      w.line("f.t[" + plan.index(out) + "] = " + tensorOf(in) + ".reshape(" + shape + ");");
    }
  }

  private String viewShape(Node n, ShapeRef in) {
    String s = in.array();
    switch (n.opType()) {
      case "Reshape":
        return "CpuRuntime.reshape(" + s + ", " + arrayOf(n.input(1)) + ", "
            + (n.attrs().getInt("allowzero", 0) != 0) + ")";
      case "Unsqueeze":
        return "CpuRuntime.unsqueeze(" + s + ", " + axes(n) + ")";
      case "Squeeze":
        return "CpuRuntime.squeeze(" + s + ", " + axes(n) + ")";
      case "Flatten":
        return "CpuRuntime.flatten(" + s + ", " + n.attrs().getInt("axis", 1) + ")";
      default:
        return s;
    }
  }

  private String axes(Node n) {
    if (n.opset() < 13) {
      long[] a = n.attrs().getInts("axes");
      return a == null ? "null" : longArray(a);
    }
    return n.input(1).isEmpty() ? "null" : arrayOf(n.input(1));
  }

  private void fallback(JavaWriter w, Kernel.Fallback k) {
    Node n = k.node();
    int i = fallbacks.size();
    fallbacks.add(n);
    List<String> ins = new ArrayList<>();
    for (String in : n.inputs()) {
      ins.add(in.isEmpty() ? "null" : tensorOf(in));
    }
    String r = "r" + locals++;
    w.line("Tensor[] " + r + " = rt.fallback(" + i + ", new Tensor[] {" + String.join(", ", ins)
        + "});");
    for (int o = 0; o < n.outputs().size(); o++) {
      String out = n.outputs().get(o);
      if (!out.isEmpty()) {
        w.line("f.t[" + plan.index(out) + "] = " + r + "[" + o + "];");
      }
    }
  }

  /** Registers a prepared weight for GEMMs; returns the field name. */
  String weights(String value, int k, int n, boolean transB) {
    weightConsts.put(value, k + ", " + n + ", " + transB);
    return "const_" + constant(value) + "_w";
  }

  int index(String v) {
    return plan.index(v);
  }

  TensorType type(String v) {
    return g.typeOf(v);
  }

  String freshLocal(String prefix) {
    return prefix + locals++;
  }

  // ---- literals -------------------------------------------------------------------------

  static String floatLiteral(float v) {
    if (Float.isNaN(v)) {
      return "Float.NaN";
    }
    if (Float.isInfinite(v)) {
      return v > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
    }
    return Float.toString(v) + "f";
  }

  static String doubleLiteral(double v) {
    if (Double.isNaN(v)) {
      return "Double.NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
    }
    return Double.toString(v);
  }

  static String intArray(int[] a) {
    StringBuilder sb = new StringBuilder("new int[] {");
    for (int i = 0; i < a.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(a[i]);
    }
    return sb.append("}").toString();
  }

  static String longArray(long[] a) {
    StringBuilder sb = new StringBuilder("new long[] {");
    for (int i = 0; i < a.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(a[i]).append('L');
    }
    return sb.append("}").toString();
  }

  static String javaScalar(DType t) {
    switch (t.storage()) {
      case FLOAT:
        return "float";
      case DOUBLE:
        return "double";
      case LONG:
        return "long";
      case BOOL:
        return "boolean";
      default:
        throw new IllegalArgumentException("no Java array for " + t);
    }
  }

  static String rawAccessor(DType t) {
    switch (t.storage()) {
      case FLOAT:
        return "rawFloats";
      case DOUBLE:
        return "rawDoubles";
      case LONG:
        return "rawLongs";
      case BOOL:
        return "rawBools";
      default:
        return "rawStrings";
    }
  }

  private String comment(Kernel k) {
    List<String> names = new ArrayList<>();
    for (Node n : k.nodes()) {
      names.add(n.opType());
    }
    String s = String.join(",", names);
    if (s.length() > 60) {
      s = s.substring(0, 57) + "...";
    }
    return s + " -> '" + clean(k.output()) + "'";
  }

  /** Text safe inside a Java comment or string: no line breaks, quotes or comment ends. */
  static String clean(String s) {
    return s.replaceAll("[\\r\\n\"\\\\]", "_").replace("*/", "*_");
  }

  static List<String> names(List<ValueInfo> vs) {
    List<String> out = new ArrayList<>();
    vs.forEach(v -> out.add(v.name()));
    return out;
  }
}
