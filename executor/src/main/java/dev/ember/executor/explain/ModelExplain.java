package dev.ember.executor.explain;

import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.ort.OrtBackends;
import dev.ember.executor.dispatch.BackendChoice;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.PlannedVariant;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.lower.BufferPlan;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.lower.LoweredGraph;
import dev.ember.executor.lower.Lowering;
import dev.ember.executor.ops.ml.TreeCodegen;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Ember will do with a model, written before anything runs (like the RAPIDS Accelerator's
 * explain): per op type, which backend runs it and why not the others; the fused kernel groups;
 * the variants the compile wrapper captures; whether the compile cache already holds them; the
 * weights and the planned activation memory. {@code bin/ember explain} prints it and each executor
 * logs it when it loads a model.
 *
 * <pre>{@code
 * String text = ModelExplain.of(source, wrapper, store, "cpu");
 * }</pre>
 */
public final class ModelExplain {
  /** Fused groups listed one per line before the rest are counted. */
  static final int MAX_GROUPS = 12;

  private ModelExplain() {}

  /**
   * @param source the model's spec or path, for the heading (redacted by the caller)
   * @param wrapper the model's compile wrapper, built and not yet run
   * @param store its compile cache, or null when caching is off
   * @param device where the variants run: {@code cpu}, or a CUDA device and its settings
   */
  public static String of(String source, CompileWrapper wrapper, CachedVariantStore store,
      String device) {
    Graph graph = wrapper.graph();
    List<PlannedVariant> plan = wrapper.plan();
    StringBuilder out = new StringBuilder();
    out.append("Ember explain: ").append(source).append('\n');
    out.append("  graph '").append(graph.name()).append("': ").append(graph.nodes().size())
        .append(" nodes, ").append(graph.opHistogram().size()).append(" op types, opsets ")
        .append(opsets(graph)).append(", weights ")
        .append(mib(weightBytes(graph))).append(" in ").append(graph.initializers().size())
        .append(" initializers (held once, shared by every variant)\n");
    appendSignature(out, graph);
    out.append("  compile: level ").append(wrapper.level()).append(", backend ")
        .append(wrapper.backendName()).append(backendOptions(plan)).append(" on ").append(device)
        .append(", ")
        .append(describePlan(wrapper, plan)).append('\n');

    BackendChoice choice = wrapper.backendChoice().orElse(null);
    boolean onOrt = choice != null && choice.onOrt();
    Map<String, String> missing =
        choice != null ? choice.missingOps() : BackendChoice.missingOps(graph);
    appendEngine(out, choice, missing);

    PlannedVariant biggest = plan.isEmpty() ? null : plan.get(plan.size() - 1);
    // Ember lowers nothing that ONNX Runtime runs (its graph may hold ops Ember cannot type).
    Graph lowered = biggest == null || wrapper.level() == 0 || onOrt
        ? null : wrapper.plannedGraph(biggest.index());
    String placement = lowered == null ? null : wrapper.placement(biggest.index());
    if (placement != null) {
      out.append("  placement of the largest variant (").append(biggest.label()).append("): ")
          .append(placement).append("; each variant is placed on its own shapes\n");
    }
    LoweredGraph lg = lowered == null ? null : Lowering.lower(lowered);
    appendOps(out, graph, lg, onOrt, lowered, missing);
    if (lg != null) {
      appendGroups(out, lg);
      BufferPlan buffers = BufferPlan.of(lg);
      long floats = 0;
      for (long s : buffers.slotSizes()) {
        floats += s;
      }
      out.append("  memory: activations ").append(buffers.dynamic()
          ? "sized at run time (symbolic shapes)" : mib(floats * 4L)).append(" planned in ")
          .append(buffers.slotCount()).append(" reused buffers for the largest variant (")
          .append(biggest.label()).append("), per running task\n");
    }
    appendCache(out, plan, store);
    return out.toString();
  }

  /** Which engine runs the model ({@code spark.ember.backend}) and why: the ops Ember lacks. */
  private static void appendEngine(StringBuilder out, BackendChoice choice,
      Map<String, String> missing) {
    out.append("  engine: ");
    if (choice == null) {
      out.append("Ember").append(missing.isEmpty() ? "" : ", which lacks "
          + String.join(", ", missing.keySet())).append('\n');
      return;
    }
    if (!choice.onOrt()) {
      out.append("Ember (").append(choice.reason()).append(")\n");
      return;
    }
    out.append("ONNX Runtime (").append(choice.reason()).append(")");
    if (!missing.isEmpty()) {
      out.append("; ops Ember lacks: ");
      List<String> parts = new ArrayList<>();
      missing.forEach((op, node) -> parts.add(op + " at " + node));
      out.append(String.join("; ", parts));
    }
    out.append("; executors need ").append(BackendPolicy.ORT_COORDINATES)
        .append(" on their classpath (on this JVM: ")
        .append(OrtBackends.available(ModelExplain.class.getClassLoader()) ? "present" : "absent")
        .append(")\n");
  }

  private static void appendSignature(StringBuilder out, Graph graph) {
    try {
      ModelSignature sig = ModelSignature.of(graph);
      out.append("  inputs: ").append(sig.inputs().stream().map(Port::describe).toList())
          .append("\n  outputs: ").append(sig.outputs().stream().map(Port::describe).toList())
          .append('\n');
    } catch (RuntimeException e) { // a graph the predict UDF cannot batch still explains
      out.append("  inputs: ").append(graph.inputs().stream().map(ValueInfo::name).toList())
          .append(" (not batchable by the predict UDF: ").append(e.getMessage()).append(")\n");
    }
  }

  /** The options every variant is compiled with, e.g. {@code {cpu.gemm=auto}}, or nothing. */
  private static String backendOptions(List<PlannedVariant> plan) {
    if (plan.isEmpty()) {
      return "";
    }
    Map<String, String> o = new TreeMap<>(plan.get(0).key().options());
    o.remove("variant");
    o.remove("capture");
    return o.isEmpty() ? "" : " " + o;
  }

  private static String describePlan(CompileWrapper wrapper, List<PlannedVariant> plan) {
    return switch (wrapper.level()) {
      case 0 -> "no compilation: every op on its reference kernel";
      case 1 -> "one static variant per new input shape, compiled on first use (guards checked)";
      case 2 -> "one general variant with symbolic dims, no guards";
      default -> plan.size() + " captured variant(s)" + (plan.size() <= 1 ? ""
          : ": batch sizes " + wrapper.options().captureSizes() + (plan.size()
              > wrapper.options().captureSizes().size() ? " x sequence buckets "
              + wrapper.options().seqBuckets() : "")) + (wrapper.options().captureAhead()
          ? ", all compiled at start" : ", each compiled on first use");
    };
  }

  /** One line per op type: how many, and what runs them on each backend. */
  private static void appendOps(StringBuilder out, Graph graph, LoweredGraph lg, boolean onOrt,
      Graph lowered, Map<String, String> missing) {
    Map<String, Map<String, Integer>> cpu = new TreeMap<>();
    Map<String, Map<String, Integer>> cuda = new TreeMap<>();
    if (lg != null) {
      boolean staticShapes = lowered.valueTypes().values().stream()
          .allMatch(t -> t.shape().isStatic());
      Map<Node, Kernel> kernelOf = new IdentityHashMap<>();
      for (Kernel k : lg.kernels()) {
        k.nodes().forEach(n -> kernelOf.put(n, k));
      }
      for (Node n : lowered.nodes()) {
        Kernel k = kernelOf.get(n);
        String how = k == null ? "no kernel" : cpuKind(k, n, lowered);
        cpu.computeIfAbsent(n.opType(), o -> new TreeMap<>()).merge(how, 1, Integer::sum);
        String gpu = k instanceof Kernel.Fallback f ? "no: " + f.reason()
            : staticShapes ? "generated kernel" : "no: needs static shapes (level 1 or 3)";
        cuda.computeIfAbsent(n.opType(), o -> new TreeMap<>()).merge(gpu, 1, Integer::sum);
      }
    }
    out.append("  ops (count: interpreter | cpu-janino | cuda-nvrtc)");
    out.append(onOrt ? ", ONNX Runtime runs them all:\n"
        : lg == null ? ", at level 0 the interpreter runs them all:\n" : ":\n");
    for (Map.Entry<String, Integer> e : graph.opHistogram().entrySet()) {
      String op = e.getKey();
      out.append(String.format(Locale.ROOT, "    %-24s x%-4d %s | ", op, e.getValue(),
          missing.containsKey(op) ? "no: Ember lacks it" : "yes"));
      if (lg == null) {
        out.append("- | -\n");
        continue;
      }
      Map<String, Integer> c = cpu.get(op);
      out.append(c == null ? "folded away at compile time" : summary(c)).append(" | ");
      Map<String, Integer> g = cuda.get(op);
      out.append(g == null ? "folded away" : summary(g)).append('\n');
    }
  }

  private static String cpuKind(Kernel k, Node n, Graph g) {
    if (k instanceof Kernel.Fallback && TreeCodegen.isTreeOp(n)) {
      // Lowering leaves tree ensembles to reference kernels; cpu-janino compiles their forests.
      TensorType x = n.inputs().isEmpty() ? null : g.typeOf(n.input(0));
      String why = TreeCodegen.whyNot(n, x == null ? null : x.dtype());
      return why == null ? "generated forest code" : "reference kernel (" + why + ")";
    }
    if (k instanceof Kernel.Fallback f) {
      return "reference kernel (" + f.reason() + ")";
    }
    if (k instanceof Kernel.Elementwise e) {
      return e.nodes().size() > 1 ? "fused loop" : "own loop";
    }
    if (k instanceof Kernel.MatMul m) {
      return m.weights() ? "GEMM, weights packed once" : "GEMM";
    }
    if (k instanceof Kernel.GemmGroup) {
      return "GEMMs of one input, merged";
    }
    if (k instanceof Kernel.Row) {
      return "row kernel";
    }
    if (k instanceof Kernel.Attention) {
      return "fused attention";
    }
    if (k instanceof Kernel.View) {
      return "view, no copy";
    }
    if (k instanceof Kernel.Transpose) {
      return "transpose copy";
    }
    return k.label().replaceAll("\\[.*", "").toLowerCase(Locale.ROOT);
  }

  private static String summary(Map<String, Integer> kinds) {
    if (kinds.size() == 1) {
      return kinds.keySet().iterator().next();
    }
    List<String> parts = new ArrayList<>();
    kinds.forEach((k, n) -> parts.add(k + " x" + n));
    return String.join(", ", parts);
  }

  private static void appendGroups(StringBuilder out, LoweredGraph lg) {
    Map<String, Integer> groups = new LinkedHashMap<>();
    for (Kernel k : lg.kernels()) {
      if (k.nodes().size() > 1) {
        String ops = String.join("+", k.nodes().stream().map(Node::opType).toList());
        groups.merge(k.label().replaceAll("\\[.*", "") + " [" + ops + "]", 1, Integer::sum);
      }
    }
    out.append("  fused groups: ").append(groups.values().stream().mapToInt(i -> i).sum())
        .append(" kernels of several nodes, ").append(lg.kernels().size())
        .append(" kernels in all\n");
    int shown = 0;
    for (Map.Entry<String, Integer> g : groups.entrySet()) {
      if (shown++ == MAX_GROUPS) {
        out.append("    ... and ").append(groups.size() - MAX_GROUPS).append(" more shapes\n");
        break;
      }
      out.append("    ").append(g.getValue()).append(" x ").append(g.getKey()).append('\n');
    }
  }

  private static void appendCache(StringBuilder out, List<PlannedVariant> plan,
      CachedVariantStore store) {
    if (store == null) {
      out.append("  compile cache: off (spark.ember.compile.cacheEnabled=false or level 0)\n");
      return;
    }
    List<PlannedVariant> cached = plan.stream().filter(v -> !v.key().options().isEmpty()).toList();
    long warm = cached.stream().filter(v -> store.holds(v.key())).count();
    out.append("  compile cache: ").append(store.cache().root().map(Object::toString)
        .orElse("(disabled)")).append("; ").append(warm).append(" of ").append(cached.size())
        .append(" planned variant(s) warm").append(warm == cached.size() && warm > 0
            ? " (a start loads them, no compiler run)" : warm == 0
            ? " (cold: the first run compiles)" : "").append("; graph hash ")
        .append(cached.isEmpty() ? "-" : cached.get(0).key().graphHash().substring(0, 16))
        .append('\n');
  }

  private static Map<String, Integer> opsets(Graph g) {
    Map<String, Integer> out = new TreeMap<>();
    g.opsetImports().forEach((domain, v) -> out.put(domain.isEmpty() ? "ai.onnx" : domain, v));
    return out;
  }

  private static long weightBytes(Graph g) {
    long bytes = 0;
    for (Tensor t : g.initializers().values()) {
      bytes += (long) t.size() * t.dtype().byteSize();
    }
    return bytes;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
