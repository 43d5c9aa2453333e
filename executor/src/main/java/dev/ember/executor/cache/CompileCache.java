package dev.ember.executor.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The compile cache on executor-local disk: one folder per {@link CacheKeyFactors#key()} holding
 * what a compile produced ({@link CacheEntry}), so that a second executor start on the same node
 * skips compilation. Layout: see {@link CacheLayout}.
 *
 * <p>Safe for many threads and many processes on one root: an entry is written into a temp folder,
 * forced to disk and renamed into place, so it is whole or absent; a compile runs under a per-key
 * lock (JVM lock plus {@code FileChannel.lock}), so two executors racing for one key compile once
 * and the other reads the result. Entries are checked against their manifest on every read; a
 * corrupt or partial one is moved to {@code quarantine/}, logged at WARNING with the reason, and
 * compiled again. The cache never fails inference: when it cannot read or write (disk full, no
 * permission) it logs a WARNING and the compile's result is returned uncached.
 *
 * <p>The cache holds code that is loaded and run, so it trusts only what this user wrote: the root
 * and everything in it are made owner-only; a root that is a symbolic link, belongs to another
 * user or is writable by others is refused with a WARNING (the cache is then off); an entry that is
 * not private, or whose manifest does not carry a valid HMAC under the user's key ({@link
 * EntrySigner}, kept outside the cache in {@link UserDirs#cacheKeyFile()}), is quarantined and
 * compiled again.
 *
 * <pre>{@code
 * CompileCache cache = CompileCache.open(Path.of("/local/ember-compile-cache"));
 * CacheEntry e = cache.getOrCompile(factors, () -> {
 *   CompiledVariant v = backend.compile(graph, key);
 *   return new CacheEntry(v.artifacts(), v.source(), GraphPrinter.print(graph));
 * });
 * }</pre>
 */
public final class CompileCache {
  /** Temp folders older than this whose key is unlocked are left from crashed writers. */
  public static final Duration STALE_TEMP_AGE = Duration.ofMinutes(10);

  /**
   * Longest wait for a key another thread or process is compiling or repairing; past it the caller
   * compiles on its own, uncached, so a hung executor cannot hang the others.
   */
  public static final Duration LOCK_WAIT = Duration.ofMinutes(5);

  private static final String PREFIX = "Ember compile cache: ";
  static final String FIX_FOLDER =
      "Fix: free disk space or make the folder writable, or set spark.ember.compile.cacheDir to"
          + " another local folder (spark.ember.compile.cache.enabled=false turns the cache off)";

  private final System.Logger log;
  private final Duration lockWait;
  private final FileOwners owners;
  private final EntryReader reader; // null when disabled
  private final EntrySigner signer; // null when disabled
  private final CacheLayout layout; // null when disabled
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong rebuilds = new AtomicLong();
  private final AtomicLong quarantined = new AtomicLong();
  private final AtomicLong writeFailures = new AtomicLong();

  private CompileCache(
      Path root, System.Logger log, Duration lockWait, Path keyFile, FileOwners owners) {
    this.log = Objects.requireNonNull(log, "log");
    this.lockWait = Objects.requireNonNull(lockWait, "lockWait");
    this.owners = Objects.requireNonNull(owners, "owners");
    // The root first: a refused root needs no key. Either refusal leaves the cache off.
    CacheOpening opening = new CacheOpening(owners, (level, message) -> log(level, "%s", message));
    CacheLayout prepared = root == null ? null : opening.prepareRoot(root);
    this.signer = prepared == null ? null : opening.loadSigner(keyFile);
    this.layout = signer == null ? null : prepared;
    this.reader = signer == null ? null : new EntryReader(signer, owners);
  }

  private CompileCache(CompileCache shared) {
    this.log = shared.log;
    this.lockWait = shared.lockWait;
    this.owners = shared.owners;
    this.signer = shared.signer;
    this.layout = shared.layout;
    this.reader = shared.reader;
  }

  /**
   * The same cache with counts of its own, for what it keeps beside compiled variants (model
   * images), so that this cache's hits and misses stay those of variants.
   */
  public CompileCache withOwnCounts() {
    return new CompileCache(this);
  }

  /** Opens (creating if needed) the cache at {@code root}. Never throws for an unusable root. */
  public static CompileCache open(Path root) {
    return open(root, true);
  }

  /** As {@link #open(Path)}; {@code enabled=false} gives {@link #disabled()}. */
  public static CompileCache open(Path root, boolean enabled) {
    return open(root, enabled, System.getLogger(CompileCache.class.getName()));
  }

  /** As {@link #open(Path, boolean)}, logging to {@code log}. */
  public static CompileCache open(Path root, boolean enabled, System.Logger log) {
    return open(root, enabled, log, LOCK_WAIT);
  }

  /** As {@link #open(Path, boolean, System.Logger)}, waiting at most {@code lockWait} per key. */
  static CompileCache open(Path root, boolean enabled, System.Logger log, Duration lockWait) {
    Objects.requireNonNull(root, "root");
    return enabled
        ? open(root, log, lockWait, UserDirs.current().cacheKeyFile(), FileOwners.system())
        : disabled(log);
  }

  /**
   * The cache at {@code root} signing its entries with the key in {@code keyFile}, and telling
   * owners apart through {@code owners}; what tests use to play another user.
   */
  static CompileCache open(
      Path root, System.Logger log, Duration lockWait, Path keyFile, FileOwners owners) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(keyFile, "keyFile");
    return new CompileCache(root, log, lockWait, keyFile, owners);
  }

  /** A cache that stores nothing: every lookup misses, {@code getOrCompile} always compiles. */
  public static CompileCache disabled() {
    return disabled(System.getLogger(CompileCache.class.getName()));
  }

  private static CompileCache disabled(System.Logger log) {
    return new CompileCache(null, log, LOCK_WAIT, null, FileOwners.system());
  }

  public boolean enabled() {
    return layout != null;
  }

  /** The cache's folder, or empty when the cache is disabled. */
  public Optional<Path> root() {
    return enabled() ? Optional.of(layout.root()) : Optional.empty();
  }

  /** The folder the entry for {@code factors} lives in (or would); empty when disabled. */
  public Optional<Path> entryDir(CacheKeyFactors factors) {
    return enabled() ? Optional.of(layout.entryDir(factors.key())) : Optional.empty();
  }

  /**
   * The verified entry for {@code factors}, or empty. A corrupt entry is quarantined (with a
   * WARNING) and reported as absent. Counts one hit or one miss.
   */
  public Optional<CacheEntry> get(CacheKeyFactors factors) {
    if (!enabled()) {
      misses.incrementAndGet();
      return Optional.empty();
    }
    String key = factors.key();
    EntryReader.Result first = reader.read(layout.entryDir(key), factors);
    if (first instanceof EntryReader.Valid v) {
      hits.incrementAndGet();
      return Optional.of(v.entry());
    }
    KeyLock lock = first instanceof EntryReader.Corrupt ? lockOrWarn(key, "quarantine it") : null;
    if (lock != null) {
      try (lock) {
        EntryReader.Result r = reader.read(layout.entryDir(key), factors);
        if (r instanceof EntryReader.Valid v) {
          hits.incrementAndGet();
          return Optional.of(v.entry());
        }
        if (r instanceof EntryReader.Corrupt c) {
          quarantine(key, c.reason());
        }
      }
    }
    misses.incrementAndGet();
    return Optional.empty();
  }

  /**
   * The cached entry for {@code factors}, or else the result of {@code compile}, saved for next
   * time. Among all threads and processes sharing the root, one compiles a key while the others
   * wait and then read its result. A corrupt or partial entry is quarantined and rebuilt. If the
   * result cannot be saved, a WARNING is logged and the result is returned all the same. Exceptions
   * from {@code compile} propagate, and nothing is saved. {@code compile} must not look up the same
   * key in a cache on the same root (it would wait on itself).
   */
  public CacheEntry getOrCompile(CacheKeyFactors factors, Supplier<CacheEntry> compile) {
    Objects.requireNonNull(compile, "compile");
    if (!enabled()) {
      misses.incrementAndGet();
      return Objects.requireNonNull(compile.get(), "compile returned null");
    }
    String key = factors.key();
    // Entries are never changed in place, so a lock-free read is safe; whatever it cannot use is
    // looked at again under the lock before anything is moved.
    if (reader.read(layout.entryDir(key), factors) instanceof EntryReader.Valid v) {
      hits.incrementAndGet();
      return v.entry();
    }
    KeyLock lock = lockOrWarn(key, "compile it");
    if (lock == null) {
      writeFailures.incrementAndGet();
      misses.incrementAndGet();
      return Objects.requireNonNull(compile.get(), "compile returned null");
    }
    try (lock) {
      return compileLocked(factors, key, compile);
    }
  }

  /**
   * Moves the entry of {@code factors} to quarantine, e.g. when a backend rejects its artifacts on
   * load; the next {@code getOrCompile} compiles again. Returns whether an entry was moved.
   */
  public boolean invalidate(CacheKeyFactors factors, String reason) {
    if (!enabled()) {
      return false;
    }
    String key = factors.key();
    KeyLock lock = lockOrWarn(key, "quarantine it");
    if (lock == null) {
      return false;
    }
    try (lock) {
      return Files.exists(layout.entryDir(key), LinkOption.NOFOLLOW_LINKS)
          && quarantine(key, reason);
    }
  }

  /** A snapshot of the counters. */
  public CacheStats stats() {
    return new CacheStats(
        hits.get(), misses.get(), rebuilds.get(), quarantined.get(), writeFailures.get());
  }

  private CacheEntry compileLocked(
      CacheKeyFactors factors, String key, Supplier<CacheEntry> compile) {
    EntryReader.Result r = reader.read(layout.entryDir(key), factors);
    if (r instanceof EntryReader.Valid v) {
      hits.incrementAndGet(); // another thread or process compiled it while we waited
      return v.entry();
    }
    boolean rebuild = r instanceof EntryReader.Corrupt c && quarantine(key, c.reason());
    try {
      Housekeeping.removeTempsOf(layout, key);
    } catch (IOException e) {
      log(Level.DEBUG, "cannot remove old temp folders of %s: %s", key, e);
    }
    CacheEntry fresh = Objects.requireNonNull(compile.get(), "compile returned null");
    misses.incrementAndGet();
    if (rebuild) {
      rebuilds.incrementAndGet();
    }
    save(factors, key, fresh);
    return fresh;
  }

  /** Writes a whole entry into place, or logs why not; never throws. */
  private void save(CacheKeyFactors factors, String key, CacheEntry entry) {
    Path tmp = layout.newTempDir(key);
    try {
      Map<String, ByteBuffer> files = EntryWriter.contents(factors, entry);
      byte[] manifest = Manifest.of(key, entry.transformedCode(), files).render(signer);
      EntryWriter.write(tmp, files, manifest);
      Files.move(tmp, layout.entryDir(key), StandardCopyOption.ATOMIC_MOVE);
      EntryWriter.syncDirectory(layout.root());
      log(Level.INFO, "saved entry %s (%d files) at %s", key, files.size(), layout.entryDir(key));
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      writeFailures.incrementAndGet();
      warn(
          "cannot save entry %s under %s (%s); continuing without caching it. %s",
          key, layout.root(), e, FIX_FOLDER);
      try {
        Housekeeping.deleteTree(tmp);
      } catch (IOException cleanup) {
        // A leftover temp folder is swept later (STALE_TEMP_AGE); nothing more to do now.
      }
    }
  }

  /** The key's lock, or null (with a WARNING) when it cannot be had within {@link #lockWait}. */
  private KeyLock lockOrWarn(String key, String purpose) {
    try {
      KeyLock lock = KeyLock.acquire(layout.lockFile(key), lockWait);
      if (lock == null) {
        warn(
            "waited %d s for another thread or process to finish with entry %s; going on without"
                + " the cache instead of waiting to %s",
            lockWait.toSeconds(), key, purpose);
      }
      return lock;
    } catch (IOException e) {
      warn(
          "cannot lock entry %s under %s (%s); going on without the cache instead of waiting to"
              + " %s. %s",
          key, layout.root(), e, purpose, FIX_FOLDER);
      return null;
    }
  }

  /** Moves a bad entry aside with a WARNING; the caller holds the key's lock. */
  private boolean quarantine(String key, String reason) {
    try {
      Path where = Housekeeping.quarantine(layout, key, reason, Instant.now());
      quarantined.incrementAndGet();
      warn("entry %s is unusable (%s); moved it to %s, to be compiled again", key, reason, where);
      return true;
    } catch (IOException e) {
      warn(
          "entry %s is unusable (%s) but cannot be moved to %s (%s); its key will be compiled"
              + " without the cache",
          key, reason, layout.quarantineRoot(), e);
      return false;
    }
  }

  private void warn(String format, Object... args) {
    log(Level.WARNING, format, args);
  }

  private void log(Level level, String format, Object... args) {
    if (log.isLoggable(level)) {
      log.log(level, PREFIX + String.format(format, args));
    }
  }
}
