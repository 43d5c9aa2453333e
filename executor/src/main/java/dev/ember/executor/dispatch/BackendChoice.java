package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.ort.OrtBackends;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ops.OpRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which engine runs a model under a {@link BackendPolicy}, and why: Ember's backend when it
 * implements every op of the graph (subgraphs included), else ONNX Runtime (policy {@code auto}),
 * or a refusal naming the ops (policy {@code ember}). ORT's classes are touched only when ORT is
 * chosen ({@link OrtBackends}).
 *
 * @param backend what compiles the variants
 * @param onOrt whether that is ONNX Runtime
 * @param missingOps the ops Ember lacks, each with the first node that uses it and why (sorted)
 * @param reason one line on why this engine runs the model
 */
public record BackendChoice(
    Backend backend, boolean onOrt, Map<String, String> missingOps, String reason) {
  private static final Logger LOG = LoggerFactory.getLogger(BackendChoice.class);

  public BackendChoice {
    missingOps = java.util.Collections.unmodifiableMap(new TreeMap<>(missingOps));
  }

  /**
   * Chooses for {@code graph} (read from {@code modelBytes}, which ORT runs); logs at INFO the ops
   * that force a fallback.
   *
   * @param modelBytes the model's ONNX bytes; null when not at hand (ORT cannot be chosen then)
   * @throws EmberException UNSUPPORTED_OP under {@code ember} for a graph with ops Ember lacks,
   *     DEPENDENCY_MISSING when ORT is chosen but its jar is absent
   */
  public static BackendChoice choose(
      BackendPolicy policy, Graph graph, Backend ember, byte[] modelBytes) {
    return choose(policy, graph, ember, modelBytes, false);
  }

  /**
   * Like {@link #choose(BackendPolicy, Graph, Backend, byte[])}; with {@code planOnly} ONNX
   * Runtime is not opened (nor required) until a variant compiles, for explaining a plan.
   */
  public static BackendChoice choose(
      BackendPolicy policy, Graph graph, Backend ember, byte[] modelBytes, boolean planOnly) {
    return choose(policy, graph, ember, modelBytes == null ? null : () -> modelBytes, planOnly);
  }

  /**
   * Like {@link #choose(BackendPolicy, Graph, Backend, byte[], boolean)}, with the bytes read
   * only if ONNX Runtime is chosen (a model loaded from its image has none at hand).
   */
  static BackendChoice choose(BackendPolicy policy, Graph graph, Backend ember,
      Supplier<byte[]> modelBytes, boolean planOnly) {
    Map<String, String> missing = missingOps(graph);
    String ops = String.join(", ", missing.keySet());
    switch (policy) {
      case EMBER -> {
        if (!missing.isEmpty()) {
          throw refusal(graph, missing);
        }
        return new BackendChoice(ember, false, missing, "spark.ember.backend=ember");
      }
      case ORT -> {
        String why = "spark.ember.backend=ort";
        return new BackendChoice(ort(graph, modelBytes, why, planOnly), true, missing, why);
      }
      default -> {
        if (missing.isEmpty()) {
          return new BackendChoice(ember, false, missing, "Ember implements every op");
        }
        String why = "Ember lacks " + ops;
        Backend ort = ort(graph, modelBytes, why, planOnly);
        BackendChoice c = new BackendChoice(ort, true, missing, why);
        if (!planOnly) {
          LOG.info(c.fallbackLine(graph.name()));
        }
        return c;
      }
    }
  }

  /**
   * The ops of {@code graph} (and its subgraphs) that Ember's {@link OpRegistry} refuses: op name
   * (domain-qualified outside the default domain) to the first refusing node and the reason.
   * Empty when Ember implements them all.
   */
  public static Map<String, String> missingOps(Graph graph) {
    Map<String, String> out = new TreeMap<>();
    collect(graph, out);
    return out;
  }

  private static void collect(Graph graph, Map<String, String> out) {
    for (Node n : graph.nodes()) {
      try {
        OpRegistry.standard().lookup(n);
      } catch (EmberException e) {
        if (e.code() != ErrorCode.UNSUPPORTED_OP) {
          throw e;
        }
        String op = n.domain().isEmpty() ? n.opType() : n.domain() + "::" + n.opType();
        out.putIfAbsent(op, "node " + n.describe());
      }
      for (AttrValue a : n.attrs().asMap().values()) {
        if (a instanceof AttrValue.GraphAttr g) {
          collect(g.value(), out);
        } else if (a instanceof AttrValue.GraphsAttr gs) {
          gs.values().forEach(sub -> collect(sub, out));
        }
      }
    }
  }

  /**
   * The INFO line logged when {@code auto} sends a model to ONNX Runtime, naming the ops that
   * forced it; empty when Ember runs the model.
   */
  public String fallbackLine(String model) {
    if (!onOrt || missingOps.isEmpty()) {
      return "";
    }
    StringBuilder where = new StringBuilder();
    missingOps.forEach((op, node) -> where.append(where.length() == 0 ? "" : "; ")
        .append(op).append(" at ").append(node));
    return "Model '" + model + "' runs on ONNX Runtime (spark.ember.backend=auto): Ember lacks"
        + " the ops " + String.join(", ", missingOps.keySet()) + " (" + where + ")";
  }

  /**
   * The ONNX Runtime backend for variants whose op the chosen backend refuses at compile time,
   * opened once on first use (never, for a model whose variants all compile), with the model bytes
   * {@code modelBytes} gives then.
   */
  static Supplier<Backend> refusedOpFallback(Graph graph, Supplier<byte[]> modelBytes) {
    Supplier<byte[]> bytes = modelBytes;
    Backend[] opened = new Backend[1];
    return () -> {
      synchronized (opened) {
        if (opened[0] == null) {
          opened[0] = ort(graph, bytes, "the backend refuses an op of it", false);
        }
        return opened[0];
      }
    };
  }

  private static Backend ort(Graph graph, Supplier<byte[]> bytes, String why, boolean planOnly) {
    byte[] modelBytes = bytes == null ? null : bytes.get();
    if (modelBytes == null) {
      throw Errors.modelUnsupported(graph.name(), "it would run on ONNX Runtime (" + why
          + "), which needs the model's ONNX bytes, and this load has only its graph",
          "load the model with Predictor.load, or set spark.ember.backend=ember");
    }
    return planOnly ? OrtBackends.deferred(modelBytes, graph.name(), why)
        : OrtBackends.create(modelBytes, graph.name(), why);
  }

  private static EmberException refusal(Graph graph, Map<String, String> missing) {
    StringBuilder where = new StringBuilder();
    missing.forEach((op, node) -> where.append(where.length() == 0 ? "" : "; ").append(op)
        .append(" at ").append(node));
    return Errors.of(ErrorCode.UNSUPPORTED_OP,
        "model '" + graph.name() + "' uses ops Ember does not implement: "
            + String.join(", ", missing.keySet()) + " (" + where + "), and"
            + " spark.ember.backend=ember allows no fallback",
        "set spark.ember.backend=auto (or ort) and add " + BackendPolicy.ORT_COORDINATES
            + " to the executors' classpath, or re-export the model without those ops");
  }
}
