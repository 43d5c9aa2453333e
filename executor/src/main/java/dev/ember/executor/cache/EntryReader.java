package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantArtifacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads an entry and checks it before anything in it is used: the folder and every file must be
 * private to this user (no symbolic link, no other owner, not writable by others), the manifest's
 * HMAC must verify ({@link Manifest#parse}) and name this key, every file must match its size and
 * sha256 there, the source its digest there, and the factors file the key's factors. Sizes are
 * capped before reading. Never throws for a bad entry: it says what is wrong, so the caller can
 * quarantine it and compile again instead of failing with a confusing error later (vLLM #18851,
 * #24915, where users had to delete the cache by hand) or running code someone planted.
 */
final class EntryReader {
  /** Files this large or larger are mapped rather than read onto the heap. */
  static final long MAP_BYTES = 1 << 20;

  private final EntrySigner signer;
  private final FileOwners owners;

  EntryReader(EntrySigner signer, FileOwners owners) {
    this.signer = signer;
    this.owners = owners;
  }

  /** The outcome of reading one entry folder. */
  sealed interface Result {}

  /** No entry for the key. */
  record Absent() implements Result {}

  /** A complete entry whose files all match its manifest. */
  record Valid(CacheEntry entry) implements Result {}

  /** An entry that cannot be used, and why. */
  record Corrupt(String reason) implements Result {}

  Result read(Path dir, CacheKeyFactors factors) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return new Absent();
    }
    try {
      return readChecked(dir, factors);
    } catch (NoSuchFileException e) {
      return new Corrupt("'" + e.getFile() + "' vanished while it was read");
    } catch (IOException e) {
      return new Corrupt("cannot read it: " + e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return new Corrupt(e.getMessage());
    }
  }

  private Result readChecked(Path dir, CacheKeyFactors factors) throws IOException {
    Optional<PrivatePaths.Problem> problem = folderProblem(dir);
    if (problem.isPresent()) {
      return new Corrupt(problem.get().toString());
    }
    Manifest manifest;
    try {
      manifest = Manifest.parse(readFile(dir, CacheLayout.MANIFEST, Manifest.MAX_BYTES), signer);
    } catch (NoSuchFileException e) {
      return new Corrupt("the manifest is missing (a partial entry)");
    } catch (IllegalStateException e) {
      return new Corrupt("'" + CacheLayout.MANIFEST + "' " + e.getMessage());
    }
    if (!manifest.key().equals(factors.key())) {
      return new Corrupt("the manifest is that of entry " + manifest.key());
    }
    if (!manifest.files().containsKey(CacheLayout.FACTORS)) {
      return new Corrupt("the manifest does not list " + CacheLayout.FACTORS);
    }
    Map<String, ByteBuffer> artifacts = new TreeMap<>();
    String code = "";
    String graph = "";
    for (Map.Entry<String, Manifest.FileSum> f : manifest.files().entrySet()) {
      String name = f.getKey();
      ByteBuffer bytes;
      try {
        bytes = readListed(dir, name, f.getValue());
      } catch (NoSuchFileException e) {
        return new Corrupt("'" + name + "' is listed in the manifest but missing");
      } catch (IllegalStateException e) {
        return new Corrupt("'" + name + "' " + e.getMessage());
      }
      if (name.equals(CacheLayout.FACTORS)) {
        ByteBuffer expected = ByteBuffer.wrap(factors.describe().getBytes(StandardCharsets.UTF_8));
        if (!bytes.equals(expected)) {
          return new Corrupt(CacheLayout.FACTORS + " does not match the factors of the key");
        }
      } else if (name.equals(CacheLayout.TRANSFORMED_CODE)) {
        code = StandardCharsets.UTF_8.decode(bytes).toString();
      } else if (name.equals(CacheLayout.GRAPH_DUMP)) {
        graph = StandardCharsets.UTF_8.decode(bytes).toString();
      } else if (name.startsWith(CacheLayout.ARTIFACTS)) {
        artifacts.put(name.substring(CacheLayout.ARTIFACTS.length()), bytes);
      }
    }
    if (!Digests.sha256Hex(code.getBytes(StandardCharsets.UTF_8)).equals(manifest.sourceSha256())) {
      return new Corrupt("the generated source does not match its digest in the manifest");
    }
    return new Valid(new CacheEntry(VariantArtifacts.views(artifacts), code, graph));
  }

  /**
   * Reads a listed file whose size and sha256 match {@code sum}; IllegalStateException if not.
   * Files of {@link #MAP_BYTES} or more are mapped, not read: the heap copy of a model image's
   * 87 MB cost 0.7 s of a warm start (fresh pages on the heap, about 3 ms per MB on a 2-core
   * VM), the sha256 of the mapped pages 0.1 s.
   */
  private ByteBuffer readListed(Path dir, String name, Manifest.FileSum sum) throws IOException {
    if (sum.size() > Manifest.MAX_FILE_BYTES) {
      throw new IllegalStateException(
          "is listed with " + sum.size() + " bytes, more than the " + Manifest.MAX_FILE_BYTES
              + " allowed");
    }
    Path file = dir.resolve(name);
    long size = Files.size(file);
    if (size != sum.size()) {
      // Checked before reading, so a runaway file is never loaded into memory.
      throw new IllegalStateException("has " + size + " bytes but the manifest says " + sum.size());
    }
    ByteBuffer bytes = sum.size() >= MAP_BYTES
        ? PrivatePaths.map(checkedFile(dir, name), sum.size())
        : ByteBuffer.wrap(readFile(dir, name, sum.size()));
    if (bytes.remaining() != sum.size() || !Digests.sha256Hex(bytes).equals(sum.sha256())) {
      throw new IllegalStateException("does not match its sha256 in the manifest");
    }
    return bytes;
  }

  /** A file of the entry, if private to this user, read without following a link. */
  private byte[] readFile(Path dir, String name, long maxBytes) throws IOException {
    return PrivatePaths.read(checkedFile(dir, name), maxBytes);
  }

  /**
   * The file {@code name} of the entry, when it and the folders on its way are private to this
   * user and no link; IllegalStateException saying which is not.
   */
  private Path checkedFile(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(file.toString());
    }
    for (Path p = file.getParent(); !p.equals(dir); p = p.getParent()) {
      Optional<PrivatePaths.Problem> problem = folderProblem(p);
      if (problem.isPresent()) {
        throw new IllegalStateException("is in " + problem.get());
      }
    }
    Optional<PrivatePaths.Problem> problem =
        PrivatePaths.check(file, false, PrivatePaths.WRITABLE_BY_OTHERS, owners);
    if (problem.isPresent()) {
      throw new IllegalStateException(problem.get().what());
    }
    return file;
  }

  private Optional<PrivatePaths.Problem> folderProblem(Path dir) throws IOException {
    return PrivatePaths.check(dir, true, PrivatePaths.WRITABLE_BY_OTHERS, owners);
  }
}
