package dev.ember.executor.backend;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a variant was compiled for. {@code inputShapes} maps each graph input to its dims, where
 * -1 marks a dimension left symbolic (level 2); {@code options} holds backend settings that change
 * the generated code. Iteration order is sorted, so the key hashes the same everywhere.
 */
public record VariantKey(
    String graphHash, String backend, Map<String, List<Long>> inputShapes,
    Map<String, String> options) {
  public VariantKey {
    Objects.requireNonNull(graphHash, "graphHash");
    Objects.requireNonNull(backend, "backend");
    inputShapes = new TreeMap<>(inputShapes);
    inputShapes.replaceAll((k, v) -> List.copyOf(v));
    inputShapes = java.util.Collections.unmodifiableMap(inputShapes);
    options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
  }

  /** Canonical text form, the input of every hash over this key. */
  public String canonical() {
    return "graph=" + graphHash + ";backend=" + backend + ";shapes=" + inputShapes
        + ";options=" + options;
  }
}
