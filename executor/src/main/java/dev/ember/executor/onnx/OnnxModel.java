package dev.ember.executor.onnx;

import dev.ember.executor.ir.Graph;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded ONNX model: its main graph plus the metadata Ember reports in errors and cache keys.
 *
 * @param source where the model came from (path or spec), for messages
 * @param sha256 hex digest of the model bytes (and of any external tensor data read), stable
 *     across machines
 */
public record OnnxModel(
    String source,
    String sha256,
    long irVersion,
    String producer,
    Map<String, Integer> opsetImports,
    Graph graph) {
  public OnnxModel {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(graph, "graph");
    opsetImports = Map.copyOf(opsetImports);
  }
}
