package dev.ember.bench.gpu;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaProfile;
import dev.ember.executor.backend.cuda.CudaProfile.StepTime;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * (e) Where the time goes, per GEMM precision with graphs on: the level-3 variant for {@link
 * CheckSize#profileRows} x {@link CheckSize#profileSeq} (64 x 32 on a device) on corpus sentences
 * of at most that many tokens. Device ms per graph replay against wall ms per whole {@code call}
 * (padding, copies, replay, output tensors), and every step timed alone ({@link CudaProfile#steps}), summed by kind (GEMMs by shape) with the
 * slowest steps. A few seconds of device time per precision.
 */
final class Profile {
  static final int TOP = 15;

  /** The row of the fp16 variant compiled without the fused attention kernel. */
  static final String UNFUSED = "fp16, attention unfused";

  /** The row of the fp16 variant whose fused attention runs in float32 on the CUDA cores. */
  static final String FLOAT32_ATTENTION = "fp16, attention fused in float32";

  /** The same at fp32, where the fused kernel otherwise runs as 3xTF32 on tensor cores. */
  static final String FP32_FLOAT32_ATTENTION = "fp32, attention fused in float32";

  private Profile() {}

  static List<Map<String, Object>> run(CudaDevice device, CheckSize size, Graph graph,
      List<long[]> ids, InMemoryVariantStore store, Results r) {
    List<Map<String, Object>> rows = new ArrayList<>();
    // fp32 too: after the H200 runs it is the precision furthest behind torch.
    for (GemmPrecision p : List.of(GemmPrecision.FP16, GemmPrecision.TF32, GemmPrecision.FP32)) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("precision", p.confName());
      try {
        profile(new CudaBackend(device, size.options(p, true)), size, graph, ids, store, row);
      } catch (RuntimeException e) {
        row.put("error", String.valueOf(e));
      }
      rows.add(row);
      r.progress("profile " + p.confName() + ": " + row.getOrDefault("error",
          row.get("deviceMsPerReplay") + " ms/replay, " + row.get("msPerCall") + " ms/call"));
    }
    // The attention path as it was before the fused kernel, for the "5x today's", and
    // with the fused kernel before its products moved to tensor cores.
    rows.add(attentionRow(UNFUSED, CudaBackend.withoutAttentionFusion(device,
        size.options(GemmPrecision.FP16, true)), size, graph, ids, store, r));
    rows.add(attentionRow(FLOAT32_ATTENTION, CudaBackend.withFloat32Attention(device,
        size.options(GemmPrecision.FP16, true)), size, graph, ids, store, r));
    rows.add(attentionRow(FP32_FLOAT32_ATTENTION, CudaBackend.withFloat32Attention(device,
        size.options(GemmPrecision.FP32, true)), size, graph, ids, store, r));
    return rows;
  }

  private static Map<String, Object> attentionRow(String name, CudaBackend cuda, CheckSize size,
      Graph graph, List<long[]> ids, InMemoryVariantStore store, Results r) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("precision", name);
    try {
      profile(cuda, size, graph, ids, store, row);
    } catch (RuntimeException e) {
      row.put("error", String.valueOf(e));
    }
    r.progress("profile " + name + ": " + row.getOrDefault("error",
        row.get("attentionPathMicros") + " us of attention path"));
    return row;
  }

  private static void profile(CudaBackend cuda, CheckSize size, Graph graph, List<long[]> ids,
      InMemoryVariantStore store, Map<String, Object> row) {
    CompileWrapper w = size.wrapper(graph, cuda, store);
    int rows = size.profileRows();
    int seq = size.profileSeq();
    Map<String, Tensor> feeds = Embed.feeds(ids, Embed.rowsUpTo(ids, rows, seq), seq);
    w.call(feeds); // compile or load, capture
    CompiledVariant v = w.variant(w.captureIndex(rows, seq));
    long t0 = System.nanoTime();
    for (int i = 0; i < size.profileCalls(); i++) {
      w.call(feeds);
    }
    double callMs = (System.nanoTime() - t0) / 1e6 / size.profileCalls();
    double deviceMs = CudaProfile.secondsPerPass(v, feeds, size.profileReplays()) * 1e3;
    List<StepTime> steps = CudaProfile.steps(v, feeds, size.profileRepeats());
    double stepMicros = steps.stream().mapToDouble(StepTime::micros).sum();
    row.put("shape", rows + "x" + seq);
    row.put("captured", CudaProfile.captured(v));
    row.put("deviceMsPerReplay", deviceMs);
    row.put("msPerCall", callMs);
    row.put("hostMsPerCall", callMs - deviceMs);
    row.put("steps", steps.size());
    row.put("stepSumMs", stepMicros / 1e3);
    row.put("byKind", byKind(steps, stepMicros));
    // Fused: the attention kernels. Unfused: the batched score and context GEMMs, softmax and
    // head transposes that the fused kernel replaces (scale and mask fold into elementwise
    // loops either way and are not counted).
    row.put("attentionPathMicros", steps.stream().filter(Profile::onAttentionPath)
        .mapToDouble(StepTime::micros).sum());
    List<Map<String, Object>> top = new ArrayList<>();
    steps.stream().sorted(Comparator.comparingDouble(StepTime::micros).reversed()).limit(TOP)
        .forEach(s -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("index", s.index());
          m.put("group", group(s));
          m.put("micros", s.micros());
          m.put("label", s.label());
          top.add(m);
        });
    row.put("top", top);
    byte[] routes = v.artifacts().get(CudaBackend.ROUTES_FILE);
    row.put("gemmRoutes", routes == null ? "" : new String(routes, StandardCharsets.UTF_8));
  }

  private static Object attentionMicros(List<Map<String, Object>> rows, String precision) {
    return rows.stream().filter(x -> precision.equals(x.get("precision"))).findFirst()
        .map(x -> x.get("attentionPathMicros")).orElse(null);
  }

  /** Total µs and count per group, largest first. */
  private static List<Map<String, Object>> byKind(List<StepTime> steps, double total) {
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (StepTime s : steps) {
      double[] a = sums.computeIfAbsent(group(s), k -> new double[2]);
      a[0]++;
      a[1] += s.micros();
    }
    List<Map<String, Object>> out = new ArrayList<>();
    sums.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]))
        .forEach(e -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("group", e.getKey());
          m.put("count", (int) e.getValue()[0]);
          m.put("totalMicros", e.getValue()[1]);
          m.put("share", total > 0 ? e.getValue()[1] / total : 0.0);
          out.add(m);
        });
    return out;
  }

  private static boolean onAttentionPath(StepTime s) {
    return switch (s.kind()) {
      case "attention", "softmax", "transpose" -> true;
      case "gemm" -> s.gemm() != null && s.gemm().batch() > 1;
      default -> false;
    };
  }

  /** The kind, GEMMs split by m x n x k x batch. */
  private static String group(StepTime s) {
    GemmShape g = s.gemm();
    return g == null ? s.kind()
        : "gemm " + g.m() + "x" + g.n() + "x" + g.k() + "x" + g.batch();
  }

  static String markdown(CheckSize size, List<Map<String, Object>> rows) {
    StringBuilder md = new StringBuilder("## (e) Where the time goes: level-3 variant "
        + size.profileRows() + " x " + size.profileSeq() + ", graphs on (steps timed alone, "
        + size.profileRepeats() + " per CUDA graph)\n\n"
        + "| precision | device ms/replay | ms/call | host ms/call | sum of steps ms | steps |"
        + " attention path µs |\n|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> row : rows) {
      if (row.containsKey("error")) {
        md.append("| ").append(row.get("precision")).append(" | error: ")
            .append(row.get("error")).append(" | | | | |\n");
        continue;
      }
      md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %d | %.1f |%n",
          row.get("precision"), row.get("deviceMsPerReplay"), row.get("msPerCall"),
          row.get("hostMsPerCall"), row.get("stepSumMs"), row.get("steps"),
          row.get("attentionPathMicros")));
    }
    // A row that failed has no attention path: then there is no ratio, and the rest still prints.
    Object fused = attentionMicros(rows, "fp16");
    Object unfused = attentionMicros(rows, UNFUSED);
    if (fused instanceof Double f && unfused instanceof Double u && f > 0) {
      md.append(String.format(Locale.ROOT, "%nAttention path at fp16: fused %.1f µs, unfused"
          + " %.1f µs per replay: %.2fx (target: 5x)%n", f, u, u / f));
      if (attentionMicros(rows, FLOAT32_ATTENTION) instanceof Double f32) {
        md.append(String.format(Locale.ROOT, "Fused in float32 on the CUDA cores: %.1f µs"
            + " (%.2fx unfused); on tensor cores %.2fx faster than that.%n", f32, u / f32,
            f32 / f));
      }
    }
    if (attentionMicros(rows, "fp32") instanceof Double f
        && attentionMicros(rows, FP32_FLOAT32_ATTENTION) instanceof Double f32 && f > 0) {
      md.append(String.format(Locale.ROOT, "Attention path at fp32: 3xTF32 on tensor cores %.1f"
          + " µs, float32 on the CUDA cores %.1f µs: %.2fx.%n", f, f32, f32 / f));
    }
    for (Map<String, Object> row : rows) {
      if (row.containsKey("error")) {
        continue;
      }
      md.append("\n").append(row.get("precision")).append(" by kind:\n\n")
          .append("| kind | count | total µs | share |\n|---|---|---|---|\n");
      for (Object o : (List<?>) row.get("byKind")) {
        Map<?, ?> m = (Map<?, ?>) o;
        md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f%% |%n", m.get("group"),
            m.get("count"), m.get("totalMicros"), 100 * (Double) m.get("share")));
      }
      md.append("\n").append(row.get("precision")).append(" slowest ").append(TOP)
          .append(" steps:\n\n| # | kind | µs | label |\n|---|---|---|---|\n");
      for (Object o : (List<?>) row.get("top")) {
        Map<?, ?> m = (Map<?, ?>) o;
        String label = String.valueOf(m.get("label")).replace('|', '/');
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s |%n", m.get("index"),
            m.get("group"), m.get("micros"),
            label.length() > 100 ? label.substring(0, 97) + "..." : label));
      }
      md.append("\n").append(row.get("precision"))
          .append(" GEMM routes (the tuner's choice per shape, µs of each route it timed):")
          .append("\n\n```\n")
          .append(row.get("gemmRoutes")).append("```\n");
    }
    return md.toString();
  }
}
