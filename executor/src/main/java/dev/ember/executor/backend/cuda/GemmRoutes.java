package dev.ember.executor.backend.cuda;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The route each GEMM shape of one variant runs on, and the record of that choice in the
 * variant's cache entry ({@link CudaBackend#ROUTES_FILE}: per shape the route, and what the tuner
 * measured or refused), so that a warm start takes the saved route without measuring again.
 */
final class GemmRoutes {
  private static final Pattern ENTRY =
      Pattern.compile("\"shape\": \"([^\"]*)\", \"route\": \"([^\"]*)\"");

  private final Map<GemmShape, GemmTuner.Choice> choices;

  private GemmRoutes(Map<GemmShape, GemmTuner.Choice> choices) {
    this.choices = choices;
  }

  /**
   * A route for each of {@code shapes} on {@code device}: with tuning off the first route its
   * GEMMs offer ({@link GpuGemm#routes}); with tuning on the route {@code saved} names where it
   * is still offered, else the tuner's measured choice.
   *
   * @param saved shape description to route name, from an earlier {@link #json()}; empty when
   *     the variant is compiled afresh
   * @throws dev.ember.executor.errors.EmberException UNSUPPORTED_OP when no GEMM can run a shape
   */
  static GemmRoutes resolve(CudaDevice device, CudaOptions options, List<GemmShape> shapes,
      Map<String, String> saved) {
    return device.exclusive(() -> {
      Map<GemmShape, GemmTuner.Choice> choices = new LinkedHashMap<>();
      for (GemmShape s : shapes) {
        if (choices.containsKey(s)) {
          continue;
        }
        List<GemmRoute> routes = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (GpuGemm g : device.gemms(options)) {
          List<GemmRoute> offered = g.routes(s);
          if (offered.isEmpty()) {
            refusals.add(g.name() + ": " + g.whyNot(s));
          }
          routes.addAll(options.gemmTuning() ? offered : offered.stream().limit(1).toList());
        }
        if (routes.isEmpty()) {
          throw Errors.of(ErrorCode.UNSUPPORTED_OP, "no GEMM can run " + describe(s) + ": "
              + String.join("; ", refusals),
              "set spark.ember.cuda.gemm=generated, or spark.ember.device=cpu");
        }
        if (!options.gemmTuning()) {
          choices.put(s, new GemmTuner.Choice(routes.get(0), Map.of(), Map.of()));
          continue;
        }
        choices.put(s, device.tuner().choose(routes, saved.get(describe(s))));
      }
      return new GemmRoutes(choices);
    });
  }

  /** The route of {@code s}, one of the shapes this was resolved for. */
  GemmRoute get(GemmShape s) {
    GemmTuner.Choice c = choices.get(s);
    if (c == null) {
      throw new IllegalStateException("no GEMM route was resolved for " + describe(s));
    }
    return c.route();
  }

  /** Shape description to route name. */
  Map<String, String> names() {
    Map<String, String> out = new LinkedHashMap<>();
    choices.forEach((s, c) -> out.put(describe(s), c.route().name()));
    return out;
  }

  /**
   * One line per shape: {@code {"shape": ..., "route": ..., "micros": {...}, "refused":
   * {...}}}, the last two empty for a route taken from a saved record or without tuning.
   */
  byte[] json() {
    StringBuilder sb = new StringBuilder("{\"routes\": [\n");
    int i = 0;
    for (Map.Entry<GemmShape, GemmTuner.Choice> e : choices.entrySet()) {
      GemmTuner.Choice c = e.getValue();
      sb.append("  {\"shape\": \"").append(describe(e.getKey())).append("\", \"route\": \"")
          .append(c.route().name()).append("\", \"micros\": {");
      int j = 0;
      for (Map.Entry<String, Double> m : c.micros().entrySet()) {
        sb.append(j++ > 0 ? ", " : "").append('"').append(m.getKey()).append("\": ")
            .append(String.format(Locale.ROOT, "%.2f", m.getValue()));
      }
      sb.append("}, \"refused\": {");
      j = 0;
      for (Map.Entry<String, String> r : c.refused().entrySet()) {
        sb.append(j++ > 0 ? ", " : "").append('"').append(r.getKey()).append("\": \"")
            .append(escape(r.getValue())).append('"');
      }
      sb.append("}}").append(++i < choices.size() ? "," : "").append('\n');
    }
    return sb.append("]}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Shape description to route name from a {@link #json()} record; empty for null. */
  static Map<String, String> parse(byte[] json) {
    Map<String, String> out = new LinkedHashMap<>();
    if (json != null) {
      Matcher m = ENTRY.matcher(new String(json, StandardCharsets.UTF_8));
      while (m.find()) {
        out.put(m.group(1), m.group(2));
      }
    }
    return out;
  }

  /**
   * The shape in one line without quotes, every field that changes the result or the kernel:
   * "1x2048x384x384 a(786432,384,1) b(147456,384,1) c(786432,384) alpha 1.0 beta 1.0 bias(0,1)",
   * with " epilogue e1a2b3c4d" when one is fused.
   */
  static String describe(GemmShape s) {
    return s.batch() + "x" + s.m() + "x" + s.n() + "x" + s.k() + " a(" + s.aBatch() + ","
        + s.aRow() + "," + s.aCol() + ") b(" + s.bBatch() + "," + s.bRow() + "," + s.bCol()
        + ") c(" + s.cBatch() + "," + s.ldc() + ") alpha " + s.alpha() + " beta " + s.beta()
        + (s.hasBias() ? " bias(" + s.biasRow() + "," + s.biasCol() + ")" : "")
        + (s.epilogue().isNone() ? "" : " epilogue " + s.epilogue().id());
  }

  private static String escape(String s) {
    return String.valueOf(s).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
  }
}
