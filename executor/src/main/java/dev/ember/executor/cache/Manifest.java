package dev.ember.executor.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table of contents of an entry: size and sha256 of every file in it, the last file written. An
 * entry without a manifest, or whose files do not match it, is partial or corrupt.
 *
 * <pre>
 * ember-compile-cache-manifest 1
 * 3f1c...e9 412 artifacts/Kernel.java
 * 9ab0...11 1733 artifacts/classes/Kernel.class
 * </pre>
 */
record Manifest(Map<String, FileSum> files) {
  static final String HEADER = "ember-compile-cache-manifest 1";

  /** Size and sha256 hex of one file. */
  record FileSum(long size, String sha256) {}

  Manifest {
    files = java.util.Collections.unmodifiableMap(new TreeMap<>(files));
  }

  /** The manifest of files given by name and content. */
  static Manifest of(Map<String, byte[]> contents) {
    Map<String, FileSum> sums = new TreeMap<>();
    contents.forEach(
        (name, bytes) -> sums.put(name, new FileSum(bytes.length, Digests.sha256Hex(bytes))));
    return new Manifest(sums);
  }

  byte[] render() {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    files.forEach(
        (name, sum) ->
            sb.append(sum.sha256())
                .append(' ')
                .append(sum.size())
                .append(' ')
                .append(name)
                .append('\n'));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses a manifest; throws IllegalArgumentException naming the first bad line. */
  static Manifest parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("manifest is truncated (no final newline)");
    }
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    lines.remove(lines.size() - 1);
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw new IllegalArgumentException("manifest does not start with '" + HEADER + "'");
    }
    Map<String, FileSum> sums = new TreeMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String[] parts = lines.get(i).split(" ", 3);
      if (parts.length != 3
          || !parts[0].matches("[0-9a-f]{64}")
          || !parts[1].matches("\\d{1,18}")) {
        throw new IllegalArgumentException("manifest line " + (i + 1) + " is malformed");
      }
      String name = CacheLayout.checkRelativeName(parts[2]);
      if (sums.put(name, new FileSum(Long.parseLong(parts[1]), parts[0])) != null) {
        throw new IllegalArgumentException("manifest lists '" + name + "' twice");
      }
    }
    return new Manifest(sums);
  }
}
