package dev.ember.executor.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The table of contents of an entry, the last file written: the entry's key, the sha256 of the
 * source its artifacts were compiled from, size and sha256 of every other file, and last an
 * HMAC-SHA256 of all the lines above it under the user's key ({@link EntrySigner}). Anyone who can
 * write the folder can recompute a sha256, but not the HMAC; so a file changed, added or swapped
 * between entries, or an entry written by an older Ember without an HMAC, is refused.
 *
 * <pre>
 * ember-compile-cache-manifest 2
 * key 3b6dd3b6886556d46a7a369b15539a1e
 * source 77aa...02
 * 3f1c...e9 412 artifacts/Kernel.java
 * 9ab0...11 1733 artifacts/classes/Kernel.class
 * hmac 5d0e...c4
 * </pre>
 *
 * @param key the entry's name ({@link CacheKeyFactors#key()})
 * @param sourceSha256 sha256 of the generated source ({@link CacheEntry#transformedCode()})
 * @param files size and sha256 of each file by relative name, the manifest excepted
 */
record Manifest(String key, String sourceSha256, Map<String, FileSum> files) {
  static final String HEADER = "ember-compile-cache-manifest 2";

  /** Largest manifest read: far above a real entry's, far below a heap's worth. */
  static final int MAX_BYTES = 1 << 20;

  /** Largest file of an entry read or written (a class file or a CUBIN is a few MiB). */
  static final long MAX_FILE_BYTES = 256L << 20;

  private static final String HMAC = "hmac ";
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** Size and sha256 hex of one file. */
  record FileSum(long size, String sha256) {}

  Manifest {
    files = Collections.unmodifiableMap(new TreeMap<>(files));
  }

  /** The manifest of files given by name and content, for an entry of {@code key}. */
  static Manifest of(String key, String source, Map<String, ByteBuffer> contents) {
    Map<String, FileSum> sums = new TreeMap<>();
    contents.forEach(
        (name, bytes) -> sums.put(name, new FileSum(bytes.remaining(), Digests.sha256Hex(bytes))));
    return new Manifest(key, Digests.sha256Hex(source.getBytes(StandardCharsets.UTF_8)), sums);
  }

  /** The manifest's text, signed. */
  byte[] render(EntrySigner signer) {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    sb.append("key ").append(key).append('\n');
    sb.append("source ").append(sourceSha256).append('\n');
    files.forEach(
        (name, sum) ->
            sb.append(sum.sha256())
                .append(' ')
                .append(sum.size())
                .append(' ')
                .append(name)
                .append('\n'));
    byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] hmac = (HMAC + signer.sign(body) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(body, body.length + hmac.length);
    System.arraycopy(hmac, 0, all, body.length, hmac.length);
    return all;
  }

  /**
   * Parses a manifest whose HMAC {@code signer} accepts; throws IllegalArgumentException saying
   * what is wrong. Nothing but the header is looked at before the HMAC is checked.
   */
  static Manifest parse(byte[] bytes, EntrySigner signer) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("manifest is truncated (no final newline)");
    }
    if (!text.startsWith(HEADER + "\n")) {
      throw new IllegalArgumentException(
          "manifest does not start with '" + HEADER + "' (an older Ember's entry, or not one)");
    }
    int last = lastLineStart(bytes);
    String hmacLine = new String(bytes, last, bytes.length - last, StandardCharsets.UTF_8);
    if (!hmacLine.startsWith(HMAC)) {
      throw new IllegalArgumentException("manifest has no HMAC line");
    }
    // The HMAC covers the bytes as read; '\n' never occurs inside a multi-byte UTF-8 character.
    byte[] body = Arrays.copyOf(bytes, last);
    if (!signer.verify(body, hmacLine.substring(HMAC.length(), hmacLine.length() - 1))) {
      throw new IllegalArgumentException(
          "manifest HMAC does not match: the entry was changed, or not written by this user's"
              + " Ember (or under another cache key file)");
    }
    return parseBody(new String(body, StandardCharsets.UTF_8));
  }

  /** Where the last line of newline-terminated {@code bytes} starts. */
  private static int lastLineStart(byte[] bytes) {
    int i = bytes.length - 2;
    while (i >= 0 && bytes[i] != '\n') {
      i--;
    }
    return i + 1;
  }

  private static Manifest parseBody(String body) {
    List<String> lines = new ArrayList<>(List.of(body.split("\n", -1)));
    lines.remove(lines.size() - 1);
    if (lines.size() < 3
        || !lines.get(1).startsWith("key ")
        || !lines.get(2).startsWith("source ")
        || !SHA256_HEX.matcher(lines.get(2).substring("source ".length())).matches()) {
      throw new IllegalArgumentException("manifest lacks its key or source line");
    }
    Map<String, FileSum> sums = new TreeMap<>();
    for (int i = 3; i < lines.size(); i++) {
      String[] parts = lines.get(i).split(" ", 3);
      if (parts.length != 3
          || !SHA256_HEX.matcher(parts[0]).matches()
          || !parts[1].matches("\\d{1,18}")) {
        throw new IllegalArgumentException("manifest line " + (i + 1) + " is malformed");
      }
      String name = CacheLayout.checkRelativeName(parts[2]);
      if (sums.put(name, new FileSum(Long.parseLong(parts[1]), parts[0])) != null) {
        throw new IllegalArgumentException("manifest lists '" + name + "' twice");
      }
    }
    return new Manifest(
        lines.get(1).substring("key ".length()),
        lines.get(2).substring("source ".length()),
        sums);
  }
}
