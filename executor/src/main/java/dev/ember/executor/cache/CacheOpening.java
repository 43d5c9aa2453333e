package dev.ember.executor.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * What a {@link CompileCache} does as it opens: make or check its root folder, and load the user's
 * signing key. Never throws: what it cannot trust it reports at WARNING and leaves out, and without
 * both a root and a key the cache is off, so a job runs, uncached, whatever the folder holds.
 */
final class CacheOpening {
  private final FileOwners owners;
  private final BiConsumer<Level, String> report;

  /** @param report where messages go (the cache's logger, which adds its prefix) */
  CacheOpening(FileOwners owners, BiConsumer<Level, String> report) {
    this.owners = owners;
    this.report = report;
  }

  /**
   * Creates the root if needed, checks that it is private to this user, and sweeps stale temp
   * folders; warns instead of throwing. Null (the cache off) for a root that is not private: it may
   * hold entries planted by someone else, and whatever is saved there could be swapped later.
   */
  CacheLayout prepareRoot(Path root) {
    try {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        PrivatePaths.createDirectories(root);
      }
    } catch (IOException | UncheckedIOException e) {
      warn(
          "cannot create %s (%s); compiled variants will not be saved. %s",
          root, e, CompileCache.FIX_FOLDER);
      return new CacheLayout(canonicalRoot(root));
    }
    // Checked after creating, not before: another user may have made the folder in between.
    Optional<PrivatePaths.Problem> problem;
    try {
      problem = PrivatePaths.check(root, true, PrivatePaths.WRITABLE_BY_OTHERS, owners);
    } catch (IOException e) {
      problem =
          Optional.of(new PrivatePaths.Problem(root, "cannot be checked (" + e + ")", "check it"));
    }
    if (problem.isPresent()) {
      warn(
          "refusing the cache folder %s; running without the cache. Fix: %s, or set"
              + " spark.ember.compile.cacheDir to a folder of your own",
          problem.get(), problem.get().fix());
      return null;
    }
    CacheLayout prepared = new CacheLayout(canonicalRoot(root));
    try {
      int swept =
          Housekeeping.sweepStaleTemps(prepared, CompileCache.STALE_TEMP_AGE, Instant.now());
      if (swept > 0) {
        log(Level.INFO, "removed %d temp folders of crashed writers under %s", swept, root);
      }
    } catch (IOException | UncheckedIOException e) {
      log(Level.DEBUG, "cannot sweep temp folders under %s: %s", root, e);
    }
    return prepared;
  }

  /** The user's signing key, or null (with a WARNING, the cache off) when it cannot be had. */
  EntrySigner loadSigner(Path keyFile) {
    try {
      return EntrySigner.load(keyFile, owners);
    } catch (EntrySigner.Refused e) {
      warn(
          "refusing the cache key file: %s, so whoever can read or replace it could sign planted"
              + " code; running without the cache. Fix: %s",
          e.problem(), e.problem().fix());
    } catch (IOException | UncheckedIOException e) {
      warn(
          "cannot read or create the cache key file %s (%s); running without the cache. Fix:"
              + " make its folder writable by you, or set XDG_CONFIG_HOME to a folder of your own",
          keyFile, e);
    }
    return null;
  }

  /** The real path of {@code root}, or its absolute form while it does not exist. */
  static Path canonicalRoot(Path root) {
    Path abs = root.toAbsolutePath().normalize();
    try {
      // One spelling per folder, so that two caches on one root share their JVM-level locks.
      return abs.toRealPath();
    } catch (IOException e) {
      return abs;
    }
  }

  private void warn(String format, Object... args) {
    log(Level.WARNING, format, args);
  }

  private void log(Level level, String format, Object... args) {
    report.accept(level, String.format(format, args));
  }
}
