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

  /**
   * The first {@code chars} hex digits of the SHA-256 of {@link #canonical()} plus the code
   * generator's version: a name for generated code that changes whenever the key or the generator
   * does.
   */
  public String shortHash(int codegenVersion, int chars) {
    String text = canonical() + "|v" + codegenVersion;
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d).substring(0, chars);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Canonical text form, the input of every hash over this key. */
  public String canonical() {
    return "graph=" + graphHash + ";backend=" + backend + ";shapes=" + inputShapes
        + ";options=" + options;
  }
}
