package dev.ember.executor.cache;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Where things live under the cache root. Entries sit directly under the root; temp folders, lock
 * files and quarantined entries in their own folders beside them, all on the root's file system so
 * that a rename into place is atomic. Every folder is {@code rwx------} and every file {@code
 * rw-------} ({@link PrivatePaths}).
 *
 * <pre>
 * root/
 *   KEY/                   a complete entry, renamed into place, never modified
 *     manifest             key, source digest, size and sha256 of every other file, and their
 *                          HMAC under the user's key ({@link Manifest}); written last
 *     cache_key_factors    every factor of the key, readable
 *     transformed_code.java  the generated source
 *     graph.txt            the optimised graph
 *     artifacts/NAME       the backend's files (Kernel.java, classes/Kernel.class, ...)
 *   tmp/KEY.PID.RANDOM/    an entry being written, by the holder of the key's lock
 *   locks/KEY.lock         one per key, locked while the key is compiled or repaired
 *   quarantine/KEY-TIME/   unusable entries, each with a quarantine_reason file
 * </pre>
 */
final class CacheLayout {
  static final String MANIFEST = "manifest";
  static final String FACTORS = "cache_key_factors";
  static final String TRANSFORMED_CODE = "transformed_code.java";
  static final String GRAPH_DUMP = "graph.txt";
  static final String ARTIFACTS = "artifacts/";
  static final String QUARANTINE_REASON = "quarantine_reason";

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._$+-]{1,128}");
  private static final int MAX_NAME_LENGTH = 240;

  private final Path root;

  CacheLayout(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  Path entryDir(String key) {
    return root.resolve(key);
  }

  Path tempRoot() {
    return root.resolve("tmp");
  }

  /** A fresh temp folder name for {@code key}; the key prefix lets a sweep find its lock. */
  Path newTempDir(String key) {
    long random = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    return tempRoot().resolve(key + "." + ProcessHandle.current().pid() + "." + random);
  }

  /** The key a temp folder belongs to, from its name. */
  static String keyOfTemp(Path tempDir) {
    String name = tempDir.getFileName().toString();
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  Path lockFile(String key) {
    return root.resolve("locks").resolve(key + ".lock");
  }

  Path quarantineRoot() {
    return root.resolve("quarantine");
  }

  /**
   * Checks that a file name from a backend or a manifest is a plain relative path: segments of
   * letters, digits and {@code . _ $ + -} separated by '/', no "." or "..", so that no entry can
   * write or read outside its folder. Returns the name, or throws IllegalArgumentException.
   */
  static String checkRelativeName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "cache file name must have 1 to " + MAX_NAME_LENGTH + " characters: '" + name + "'");
    }
    for (String segment : name.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            String.format(
                "cache file name '%s' must be '/'-separated segments of letters, digits and"
                    + " ._$+- (no empty, '.' or '..' segment)",
                name));
      }
    }
    return name;
  }
}
