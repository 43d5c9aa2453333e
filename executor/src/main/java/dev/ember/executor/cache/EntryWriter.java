package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantArtifacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes an entry's files into a fresh temp folder, each one forced to disk, the signed manifest
 * last; folders are made {@code rwx------} and files {@code rw-------} ({@link PrivatePaths}). The
 * caller then renames the folder into place, so a crash leaves either no entry or a whole one
 * (vLLM's "pickle data was truncated", #31199, came from writing in place).
 */
final class EntryWriter {
  private EntryWriter() {}

  /**
   * Every file of the entry by relative name, the manifest excepted; checks artifact names, and
   * refuses a file larger than a reader would accept ({@link Manifest#MAX_FILE_BYTES}).
   */
  static Map<String, ByteBuffer> contents(CacheKeyFactors factors, CacheEntry entry) {
    Map<String, ByteBuffer> files = new TreeMap<>();
    files.put(CacheLayout.FACTORS, utf8(factors.describe()));
    if (!entry.transformedCode().isEmpty()) {
      files.put(CacheLayout.TRANSFORMED_CODE, utf8(entry.transformedCode()));
    }
    if (!entry.graphDump().isEmpty()) {
      files.put(CacheLayout.GRAPH_DUMP, utf8(entry.graphDump()));
    }
    // Views, not copies: a model image's weights are written as they are held.
    VariantArtifacts artifacts = entry.artifacts();
    for (String name : artifacts.names()) {
      files.put(CacheLayout.ARTIFACTS + CacheLayout.checkRelativeName(name),
          artifacts.buffer(name));
    }
    files.forEach(
        (name, bytes) -> {
          if (bytes.remaining() > Manifest.MAX_FILE_BYTES) {
            throw new IllegalArgumentException(
                "cache file '" + name + "' has " + bytes.remaining() + " bytes, more than the "
                    + Manifest.MAX_FILE_BYTES + " a cache entry may hold");
          }
        });
    return files;
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code files} and then {@code manifest} (their signed {@link Manifest}) under {@code
   * dir}, which must not exist yet.
   */
  static void write(Path dir, Map<String, ByteBuffer> files, byte[] manifest) throws IOException {
    PrivatePaths.createDirectories(dir.getParent());
    PrivatePaths.createDirectory(dir);
    TreeSet<Path> dirs =
        new TreeSet<>(
            Comparator.comparingInt(Path::getNameCount)
                .reversed()
                .thenComparing(Comparator.naturalOrder()));
    dirs.add(dir);
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, ByteBuffer> f : files.entrySet()) {
      Path file = dir.resolve(f.getKey());
      PrivatePaths.createDirectories(file.getParent());
      dirs.add(file.getParent());
      PrivatePaths.writeNew(file, f.getValue().duplicate(), false);
      written.add(file);
    }
    // Forced after all are written, so the kernel can flush them together: one pass of waits
    // instead of one per file.
    for (Path file : written) {
      force(file);
    }
    PrivatePaths.writeNew(dir.resolve(CacheLayout.MANIFEST), manifest, true);
    for (Path d : dirs) {
      syncDirectory(d);
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Forces a folder's list of names to disk, where the platform allows opening a folder. */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a folder for syncing (Windows); the rename is still atomic.
    }
  }
}
