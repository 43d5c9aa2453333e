package dev.ember.executor.backend;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named byte blobs a backend saves for a variant (generated source, compiled class bytes, tuning
 * choices), written to and read from the compile cache as files of the same names.
 */
public record VariantArtifacts(Map<String, byte[]> files) {
  public VariantArtifacts {
    TreeMap<String, byte[]> copy = new TreeMap<>();
    files.forEach((k, v) -> copy.put(k, v.clone()));
    files = Collections.unmodifiableMap(copy);
  }

  public static VariantArtifacts none() {
    return new VariantArtifacts(Map.of());
  }

  /** The blob named {@code name}, or null. */
  public byte[] get(String name) {
    byte[] b = files.get(name);
    return b == null ? null : b.clone();
  }
}
