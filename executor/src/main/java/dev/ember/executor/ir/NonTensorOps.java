package dev.ember.executor.ir;

import java.util.List;
import java.util.Optional;

/**
 * ONNX ops whose outputs are sequences or maps, which Ember's tensor-only IR cannot hold, with
 * why and what to do instead. The ONNX importer (a graph output of such a type), the op registry
 * (the op inside a graph) and docs/supported-ops.md all read this one list, so a model that uses
 * one fails with the same UNSUPPORTED_OP advice wherever it is caught.
 */
public final class NonTensorOps {
  /** One refused op: its domain ("" for the default one), name, reason and fix. */
  public record Refusal(String domain, String opType, String why, String fix) {}

  /** Every refused op, sorted by domain and name. */
  public static final List<Refusal> ALL =
      List.of(
          new Refusal(
              "ai.onnx.ml",
              "ZipMap",
              "ZipMap turns a classifier's [N, classes] probability tensor into a sequence of"
                  + " maps (one {label: probability} map per row), and Ember holds tensors only",
              "export the classifier without ZipMap, so that its probabilities stay a tensor"
                  + " (skl2onnx: to_onnx(model, X, options={'zipmap': False})), or remove the"
                  + " ZipMap node and read its input"));

  private NonTensorOps() {}

  /** The refusal for an op, if it is one of {@link #ALL}. */
  public static Optional<Refusal> of(String domain, String opType) {
    String d = domain.equals("ai.onnx") ? "" : domain;
    return ALL.stream().filter(r -> r.domain.equals(d) && r.opType.equals(opType)).findFirst();
  }
}
