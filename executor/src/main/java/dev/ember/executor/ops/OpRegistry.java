package dev.ember.executor.ops;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.NonTensorOps;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every op Ember implements, looked up by (domain, op type, model opset). The registry also
 * renders {@code docs/supported-ops.md} and the unsupported-op error, so the two always agree.
 */
public final class OpRegistry {
  /** The newest default-domain opset whose op definitions Ember has been checked against. */
  public static final int MAX_KNOWN_OPSET = 27;

  /** The classic-ML domain, whose op names are kept apart from the default domain's. */
  public static final String ML_DOMAIN = "ai.onnx.ml";

  /** The newest ai.onnx.ml opset whose op definitions Ember has been checked against. */
  public static final int MAX_KNOWN_ML_OPSET = 5;

  private static final OpRegistry STANDARD = new OpRegistry(OpFamilies.all());

  private final Map<String, OpDef> byKey = new TreeMap<>();

  OpRegistry(Collection<OpDef> ops) {
    for (OpDef op : ops) {
      String key = key(op.spec().domain(), op.spec().opType());
      if (byKey.put(key, op) != null) {
        throw new IllegalStateException("op " + key + " is registered twice");
      }
    }
  }

  /** The registry of all built-in ops. */
  public static OpRegistry standard() {
    return STANDARD;
  }

  /** All registered ops, sorted by domain and op type. */
  public List<OpDef> all() {
    return Collections.unmodifiableList(new ArrayList<>(byKey.values()));
  }

  public boolean supports(String domain, String opType) {
    return byKey.containsKey(key(domain, opType));
  }

  /** The implementation of an op type in a domain ("" or "ai.onnx" for the default), or null. */
  public OpDef find(String domain, String opType) {
    return byKey.get(key(domain, opType));
  }

  /** The implementation for a node, or an UNSUPPORTED_OP error that says what to do. */
  public OpDef lookup(Node node) {
    OpDef op = byKey.get(key(node.domain(), node.opType()));
    var refusal = NonTensorOps.of(node.domain(), node.opType());
    if (op == null && refusal.isPresent()) {
      throw Errors.atNode(
          ErrorCode.UNSUPPORTED_OP, node.describe(), refusal.get().why(), refusal.get().fix(), null);
    }
    if (op == null) {
      throw Errors.atNode(
          ErrorCode.UNSUPPORTED_OP,
          node.describe(),
          "operator " + node.opType() + " is not implemented by Ember (" + byKey.size()
              + " ops are; see docs/supported-ops.md)",
          "re-export the model without " + node.opType()
              + ", or open an issue asking for it with the model attached",
          null);
    }
    if (node.opset() < op.spec().minOpset()) {
      throw Errors.atNode(
          ErrorCode.UNSUPPORTED_OP,
          node.describe(),
          "Ember implements " + node.opType() + " from opset " + op.spec().minOpset()
              + " on, the model imports opset " + node.opset(),
          "convert the model to a newer opset (onnx.version_converter.convert_version)",
          null);
    }
    if (node.domain().equals(ML_DOMAIN) && node.opset() > MAX_KNOWN_ML_OPSET) {
      throw Errors.atNode(
          ErrorCode.UNSUPPORTED_OP,
          node.describe(),
          "the model imports ai.onnx.ml opset " + node.opset() + ", newer than the newest Ember"
              + " knows (" + MAX_KNOWN_ML_OPSET + "); op semantics may have changed since",
          "export the model at ai.onnx.ml opset " + MAX_KNOWN_ML_OPSET + " or lower",
          null);
    }
    if (isDefaultDomain(node.domain()) && node.opset() > MAX_KNOWN_OPSET) {
      throw Errors.atNode(
          ErrorCode.UNSUPPORTED_OP,
          node.describe(),
          "the model imports opset " + node.opset() + ", newer than the newest Ember knows ("
              + MAX_KNOWN_OPSET + "); op semantics may have changed since",
          "export the model at opset " + MAX_KNOWN_OPSET + " or lower",
          null);
    }
    return op;
  }

  static boolean isDefaultDomain(String domain) {
    return domain.isEmpty() || domain.equals("ai.onnx");
  }

  private static String key(String domain, String opType) {
    return (isDefaultDomain(domain) ? "" : domain) + "::" + opType;
  }
}
