package dev.ember.executor.cache;

import static dev.ember.executor.cache.CacheFixtures.counting;
import static dev.ember.executor.cache.CacheFixtures.factors;
import static dev.ember.executor.cache.CacheFixtures.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache trusts only what this user wrote: another local user who made the folder first, can
 * write into it, or links it elsewhere gets nothing loaded, and the job still gets its result.
 */
class CompileCacheTrustTest {
  @TempDir Path tmp;
  private final CapturingLogger log = new CapturingLogger();
  private final ForeignOwners owners = new ForeignOwners();
  private final CacheKeyFactors factors = factors("v1");

  private Path keyFile() {
    return tmp.resolve("config/ember/cache-key");
  }

  private CompileCache open(Path root) {
    return CompileCache.open(root, log, CompileCache.LOCK_WAIT, keyFile(), owners);
  }

  @Test
  void newRootEntriesAndKeyAreOwnerOnly() throws IOException {
    Path root = tmp.resolve("cache");
    CompileCache cache = open(root);
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    cache.invalidate(factors, "to make the quarantine folder");
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        assertEquals(
            Files.isDirectory(p) ? "rwx------" : "rw-------", mode(p), root.relativize(p) + "");
      }
    }
    assertEquals("rw-------", mode(keyFile()));
    assertEquals("rwx------", mode(keyFile().getParent()));
    assertEquals(EntrySigner.KEY_BYTES, Files.size(keyFile()));
    assertTrue(log.warnings().stream().allMatch(w -> w.contains("to make the quarantine")));
  }

  @Test
  void worldWritableRootMadeByAnotherUserFirstIsRefusedAndTheJobStillRuns() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("ember-compile-cache"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    CompileCache cache = open(root);
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "a"));
    cache.getOrCompile(factors, counting(calls, "a"));

    assertEquals("class Kernel { /* a */ }", text(e, "Kernel.java"));
    assertEquals(2, calls.get(), "a refused cache compiles every time");
    assertFalse(cache.enabled());
    assertEquals(List.of(), list(root), "nothing may be saved in a refused folder");
    assertOneWarning(
        "refusing the cache folder '" + root + "' is open to other users (rwxrwxrwx)",
        "chmod 700 " + root,
        "spark.ember.compile.cacheDir");
  }

  @Test
  void rootOwnedByAnotherUserIsRefused() throws IOException {
    Path root = owners.plant(Files.createDirectory(tmp.resolve("cache")));
    CompileCache cache = open(root);
    assertFalse(cache.enabled());
    assertOneWarning("is owned by 'mallory'", "spark.ember.compile.cacheDir");
  }

  @Test
  void symlinkedRootIsRefusedAndItsTargetLeftAlone() throws IOException {
    Path target = Files.createDirectory(tmp.resolve("elsewhere"));
    Path root = Files.createSymbolicLink(tmp.resolve("cache"), target);
    CompileCache cache = open(root);
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    assertFalse(cache.enabled());
    assertEquals(List.of(), list(target));
    assertOneWarning("'" + root + "' is a symbolic link");
  }

  @Test
  void entryOwnedByAnotherUserIsQuarantinedNotRead() {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    CompileCache cache = open(root);
    owners.plant(cache.entryDir(factors).orElseThrow());
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertEquals("class Kernel { /* b */ }", text(e, "Kernel.java"));
    assertEquals(new CacheStats(0, 1, 1, 1, 0), cache.stats());
    assertWarned("is owned by 'mallory'");
  }

  @Test
  void symlinkedEntryIsQuarantinedWithoutFollowingIt() throws IOException {
    // A whole, validly signed entry of this user, made elsewhere and linked in.
    Path other = tmp.resolve("other");
    CompileCache elsewhere = open(other);
    elsewhere.getOrCompile(factors, counting(new AtomicInteger(), "planted"));
    Path real = elsewhere.entryDir(factors).orElseThrow();
    Path root = tmp.resolve("cache");
    CompileCache cache = open(root);
    Files.createSymbolicLink(cache.entryDir(factors).orElseThrow(), real);

    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertEquals("class Kernel { /* b */ }", text(e, "Kernel.java"));
    assertWarned("is a symbolic link");
    assertTrue(Files.isDirectory(real.resolve("artifacts")), "the link's target was touched");
    assertFalse(Files.exists(real.resolve(CacheLayout.QUARANTINE_REASON)));
  }

  @Test
  void classFileSwappedWithRecomputedSha256IsQuarantined() throws IOException {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path entry = open(root).entryDir(factors).orElseThrow();
    byte[] planted = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 6, 6, 6};
    Forger.replace(entry, "artifacts/classes/Kernel.class", planted);

    CompileCache cache = open(root);
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertArrayEquals(CacheFixtures.entry("b").artifacts().get("classes/Kernel.class"),
        e.artifacts().get("classes/Kernel.class"));
    assertEquals(new CacheStats(0, 1, 1, 1, 0), cache.stats());
    assertWarned("manifest HMAC does not match");
  }

  @Test
  void manifestWithoutHmacIsQuarantined() throws IOException {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path manifest = open(root).entryDir(factors).orElseThrow().resolve(CacheLayout.MANIFEST);
    List<String> lines = Files.readAllLines(manifest);
    Files.write(manifest, lines.subList(0, lines.size() - 1)); // an unsigned manifest
    assertTrue(open(root).get(factors).isEmpty());
    assertWarned("manifest has no HMAC line");
  }

  @Test
  void entrySignedUnderAnotherKeyIsQuarantined() throws IOException {
    Path root = tmp.resolve("cache");
    CompileCache.open(root, log, CompileCache.LOCK_WAIT, tmp.resolve("mallory/key"), owners)
        .getOrCompile(factors, counting(new AtomicInteger(), "planted"));
    assertTrue(open(root).get(factors).isEmpty());
    assertWarned("manifest HMAC does not match");
  }

  @Test
  void fileWritableByOthersInsideAnEntryIsQuarantined() throws IOException {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path tuning = open(root).entryDir(factors).orElseThrow().resolve("artifacts/tuning.json");
    Files.setPosixFilePermissions(tuning, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertTrue(open(root).get(factors).isEmpty());
    assertWarned("'artifacts/tuning.json' is open to other users (rw-rw-rw-)");
  }

  @Test
  void oversizeManifestIsQuarantinedWithoutBeingRead() throws IOException {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path manifest = open(root).entryDir(factors).orElseThrow().resolve(CacheLayout.MANIFEST);
    long huge = 8L << 30; // sparse: no disk used, but more than the test JVM's heap if read
    try (RandomAccessFile f = new RandomAccessFile(manifest.toFile(), "rw")) {
      f.setLength(huge);
    }
    CompileCache cache = open(root);
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertWarned("'manifest' has " + huge + " bytes, more than the " + Manifest.MAX_BYTES);
  }

  @Test
  void keyFileReadableByOthersIsRefusedAndTheJobStillRuns() throws IOException {
    open(tmp.resolve("first")); // makes the key
    Files.setPosixFilePermissions(keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
    CompileCache cache = open(tmp.resolve("cache"));
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "a"));
    assertEquals("class Kernel { /* a */ }", text(e, "Kernel.java"));
    assertFalse(cache.enabled());
    assertOneWarning(
        "refusing the cache key file: '" + keyFile() + "' is open to other users (rw-r--r--)",
        "chmod 600 " + keyFile());
  }

  @Test
  void keyFileOfAnotherUserOrInAFolderOthersCanWriteIsRefused() throws IOException {
    open(tmp.resolve("first"));
    owners.plant(keyFile());
    assertFalse(open(tmp.resolve("cache")).enabled());
    assertWarned("is owned by 'mallory'");

    owners.foreign.clear();
    Files.setPosixFilePermissions(
        keyFile().getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
    assertFalse(open(tmp.resolve("cache")).enabled());
    assertWarned("'" + keyFile().getParent() + "' is open to other users (rwxrwxrwx)");
  }

  @Test
  void theKeyIsMadeOnceAndReusedByTheNextStart() throws IOException {
    Path root = tmp.resolve("cache");
    open(root).getOrCompile(factors, counting(new AtomicInteger(), "a"));
    byte[] key = Files.readAllBytes(keyFile());
    AtomicInteger calls = new AtomicInteger();
    open(root).getOrCompile(factors, counting(calls, "b"));
    assertEquals(0, calls.get(), "a second start must hit");
    assertArrayEquals(key, Files.readAllBytes(keyFile()));
    assertTrue(log.warnings().isEmpty(), log.warnings().toString());
  }

  private void assertOneWarning(String... fragments) {
    assertEquals(1, log.warnings().size(), log.warnings().toString());
    for (String f : fragments) {
      assertWarned(f);
    }
  }

  private void assertWarned(String fragment) {
    assertTrue(
        log.warnings().stream().anyMatch(w -> w.contains(fragment)),
        () -> "no WARNING containing '" + fragment + "' in " + log.warnings());
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
