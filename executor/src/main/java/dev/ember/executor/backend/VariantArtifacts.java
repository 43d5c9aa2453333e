package dev.ember.executor.backend;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Named byte blobs a backend saves for a variant (generated source, compiled class bytes, tuning
 * choices) or the cache keeps beside variants (a model image's weights), written to and read from
 * the compile cache as files of the same names. Immutable: a blob is held as a read-only buffer,
 * on the heap or, for the large files the cache reads, mapped from the file itself (a model
 * image's 87 MB of weights are not copied onto the heap before they are decoded).
 */
public final class VariantArtifacts {
  private static final VariantArtifacts NONE = new VariantArtifacts(Map.of());

  private final Map<String, ByteBuffer> blobs;

  /** Blobs copied from {@code files}, so later changes to the arrays do not reach them. */
  public VariantArtifacts(Map<String, byte[]> files) {
    TreeMap<String, ByteBuffer> copy = new TreeMap<>();
    files.forEach((k, v) -> copy.put(k, ByteBuffer.wrap(v.clone()).asReadOnlyBuffer()));
    this.blobs = Collections.unmodifiableMap(copy);
  }

  private VariantArtifacts(TreeMap<String, ByteBuffer> views) {
    this.blobs = Collections.unmodifiableMap(views);
  }

  /**
   * Blobs that are the arrays of {@code files}, not copies: for a caller that made them for this
   * and never changes them (a model image's weights, written once).
   */
  public static VariantArtifacts handedOver(Map<String, byte[]> files) {
    TreeMap<String, ByteBuffer> views = new TreeMap<>();
    files.forEach((k, v) -> views.put(k, ByteBuffer.wrap(v).asReadOnlyBuffer()));
    return new VariantArtifacts(views);
  }

  /**
   * Blobs that are the remaining bytes of {@code buffers} (read-only views of them): what the
   * cache reads, mapped or on the heap, and nothing else writes.
   */
  public static VariantArtifacts views(Map<String, ByteBuffer> buffers) {
    TreeMap<String, ByteBuffer> views = new TreeMap<>();
    buffers.forEach((k, v) -> views.put(Objects.requireNonNull(k), v.slice().asReadOnlyBuffer()));
    return new VariantArtifacts(views);
  }

  public static VariantArtifacts none() {
    return NONE;
  }

  /** The blobs' names, sorted. */
  public Set<String> names() {
    return blobs.keySet();
  }

  /** A copy of the blob named {@code name}, or null. */
  public byte[] get(String name) {
    ByteBuffer b = buffer(name);
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** A read-only view of the blob named {@code name} (no copy), or null. */
  public ByteBuffer buffer(String name) {
    ByteBuffer b = blobs.get(name);
    return b == null ? null : b.duplicate();
  }

  /** Every blob, copied (for small sets of blobs: a large one is better read through buffer). */
  public Map<String, byte[]> files() {
    TreeMap<String, byte[]> out = new TreeMap<>();
    for (String name : blobs.keySet()) {
      out.put(name, get(name));
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String toString() {
    return "VariantArtifacts" + blobs.keySet();
  }
}
