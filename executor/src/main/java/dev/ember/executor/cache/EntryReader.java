package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantArtifacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an entry and checks every file against the manifest (size, then sha256) and the factors
 * file against the key's factors. Never throws for a bad entry: it says what is wrong, so the
 * caller can quarantine it and compile again instead of failing with a confusing error later (vLLM
 * #18851, #24915, where users had to delete the cache by hand).
 */
final class EntryReader {
  private EntryReader() {}

  /** The outcome of reading one entry folder. */
  sealed interface Result {}

  /** No entry for the key. */
  record Absent() implements Result {}

  /** A complete entry whose files all match its manifest. */
  record Valid(CacheEntry entry) implements Result {}

  /** An entry that cannot be used, and why. */
  record Corrupt(String reason) implements Result {}

  static Result read(Path dir, CacheKeyFactors factors) {
    if (!Files.isDirectory(dir)) {
      return Files.exists(dir) ? new Corrupt("'" + dir + "' is not a folder") : new Absent();
    }
    Manifest manifest;
    try {
      manifest = Manifest.parse(Files.readAllBytes(dir.resolve(CacheLayout.MANIFEST)));
    } catch (NoSuchFileException e) {
      return new Corrupt("the manifest is missing (a partial entry)");
    } catch (IOException e) {
      return new Corrupt("cannot read the manifest: " + e);
    } catch (IllegalArgumentException e) {
      return new Corrupt(e.getMessage());
    }
    if (!manifest.files().containsKey(CacheLayout.FACTORS)) {
      return new Corrupt("the manifest does not list " + CacheLayout.FACTORS);
    }
    Map<String, byte[]> artifacts = new TreeMap<>();
    String code = "";
    String graph = "";
    for (Map.Entry<String, Manifest.FileSum> f : manifest.files().entrySet()) {
      String name = f.getKey();
      byte[] bytes;
      try {
        bytes = readChecked(dir.resolve(name), f.getValue());
      } catch (NoSuchFileException e) {
        return new Corrupt("'" + name + "' is listed in the manifest but missing");
      } catch (IOException e) {
        return new Corrupt("cannot read '" + name + "': " + e);
      } catch (IllegalStateException e) {
        return new Corrupt("'" + name + "' " + e.getMessage());
      }
      if (name.equals(CacheLayout.FACTORS)) {
        byte[] expected = factors.describe().getBytes(StandardCharsets.UTF_8);
        if (!Arrays.equals(bytes, expected)) {
          return new Corrupt(CacheLayout.FACTORS + " does not match the factors of the key");
        }
      } else if (name.equals(CacheLayout.TRANSFORMED_CODE)) {
        code = new String(bytes, StandardCharsets.UTF_8);
      } else if (name.equals(CacheLayout.GRAPH_DUMP)) {
        graph = new String(bytes, StandardCharsets.UTF_8);
      } else if (name.startsWith(CacheLayout.ARTIFACTS)) {
        artifacts.put(name.substring(CacheLayout.ARTIFACTS.length()), bytes);
      }
    }
    return new Valid(new CacheEntry(new VariantArtifacts(artifacts), code, graph));
  }

  /** Reads a file whose size and sha256 match {@code sum}; IllegalStateException otherwise. */
  private static byte[] readChecked(Path file, Manifest.FileSum sum) throws IOException {
    long size = Files.size(file);
    if (size != sum.size()) {
      // Checked before reading, so a runaway file is never loaded into memory.
      throw new IllegalStateException("has " + size + " bytes but the manifest says " + sum.size());
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != sum.size() || !Digests.sha256Hex(bytes).equals(sum.sha256())) {
      throw new IllegalStateException("does not match its sha256 in the manifest");
    }
    return bytes;
  }
}
