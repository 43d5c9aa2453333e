package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Moves bad entries aside and removes what crashed writers left behind. Callers hold the key's
 * {@link KeyLock} for anything they move or delete, so no live writer or repair is disturbed.
 */
final class Housekeeping {
  /** Quarantined entries kept for inspection; older ones are deleted. */
  static final int MAX_QUARANTINED = 16;

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Housekeeping() {}

  /**
   * Moves the entry of {@code key} to {@code quarantine/<key>-<UTC time>} with a file saying why,
   * and returns where it went. The caller holds the key's lock.
   */
  static Path quarantine(CacheLayout layout, String key, String reason, Instant now)
      throws IOException {
    PrivatePaths.createDirectories(layout.quarantineRoot());
    String base = key + "-" + STAMP.format(now);
    Path target = layout.quarantineRoot().resolve(base);
    for (int n = 1; ; n++) {
      try {
        Files.move(layout.entryDir(key), target, StandardCopyOption.ATOMIC_MOVE);
        break;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        target = layout.quarantineRoot().resolve(base + "-" + n);
      }
    }
    // Not through a link: a planted entry may be one, pointing anywhere.
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      try {
        PrivatePaths.writeNew(
            target.resolve(CacheLayout.QUARANTINE_REASON),
            (reason + "\n").getBytes(StandardCharsets.UTF_8),
            false);
      } catch (FileAlreadyExistsException e) {
        // The bad entry came with a file of that name; the reason is in the log all the same.
      }
    }
    trimQuarantine(layout);
    return target;
  }

  /** Keeps the newest {@link #MAX_QUARANTINED} quarantined entries. */
  static void trimQuarantine(CacheLayout layout) throws IOException {
    List<Path> all = list(layout.quarantineRoot());
    if (all.size() <= MAX_QUARANTINED) {
      return;
    }
    all.sort(Comparator.comparing(Housekeeping::modifiedOrEpoch).reversed());
    for (Path old : all.subList(MAX_QUARANTINED, all.size())) {
      deleteTree(old);
    }
  }

  /**
   * Deletes the temp folders of {@code key}. Only the holder of a key's lock writes its temp
   * folders, so while the caller holds that lock every one of them is a crashed writer's.
   */
  static void removeTempsOf(CacheLayout layout, String key) throws IOException {
    for (Path tmp : list(layout.tempRoot())) {
      if (CacheLayout.keyOfTemp(tmp).equals(key)) {
        deleteTree(tmp);
      }
    }
  }

  /**
   * Deletes temp folders older than {@code maxAge} whose key nobody holds; returns how many. Run
   * when a cache opens, for keys that will not be compiled again soon.
   */
  static int sweepStaleTemps(CacheLayout layout, Duration maxAge, Instant now) throws IOException {
    int removed = 0;
    for (Path tmp : list(layout.tempRoot())) {
      if (modifiedOrEpoch(tmp).plus(maxAge).isAfter(now)) {
        continue;
      }
      try (KeyLock lock = KeyLock.tryAcquire(layout.lockFile(CacheLayout.keyOfTemp(tmp)))) {
        if (lock != null) {
          deleteTree(tmp);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Deletes a file tree; a path already gone is fine. */
  static void deleteTree(Path top) throws IOException {
    if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(top)) {
      paths = new ArrayList<>(walk.toList());
    } catch (NoSuchFileException e) {
      return;
    }
    paths.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new ArrayList<>();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return new ArrayList<>(s.sorted().toList());
    }
  }

  private static Instant modifiedOrEpoch(Path p) {
    try {
      return Files.getLastModifiedTime(p).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }
}
