package dev.ember.executor.cache;

import static dev.ember.executor.cache.CacheFixtures.counting;
import static dev.ember.executor.cache.CacheFixtures.entry;
import static dev.ember.executor.cache.CacheFixtures.factors;
import static dev.ember.executor.cache.CacheFixtures.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.executor.backend.VariantArtifacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompileCacheTest {
  private static final Supplier<CacheEntry> MUST_NOT_COMPILE =
      () -> fail("compiled although the entry was cached");

  @TempDir Path root;
  private final CapturingLogger log = new CapturingLogger();
  private final CacheKeyFactors factors = factors("v1");

  private CompileCache open() {
    return CompileCache.open(root, true, log);
  }

  @Test
  void hitAfterCompileReturnsTheSameFilesAndDumps() {
    CompileCache cache = open();
    AtomicInteger calls = new AtomicInteger();
    CacheEntry first = cache.getOrCompile(factors, counting(calls, "a"));
    CacheEntry second = cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertSameEntry(first, second);
    assertEquals("class Kernel { /* a */ }", text(second, "Kernel.java"));
    assertEquals(new CacheStats(1, 1, 0, 0, 0), cache.stats());
    assertSameEntry(first, cache.get(factors).orElseThrow());
    assertTrue(log.warnings().isEmpty(), log.warnings().toString());
  }

  @Test
  void entryHoldsReadableFactorsDumpsManifestAndArtifacts() throws IOException {
    CompileCache cache = open();
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path dir = cache.entryDir(factors).orElseThrow();
    assertEquals(root.toRealPath().resolve(factors.key()), dir);
    assertEquals(
        List.of(
            "artifacts/Kernel.java",
            "artifacts/classes/Kernel.class",
            "artifacts/tuning.json",
            "cache_key_factors",
            "graph.txt",
            "manifest",
            "transformed_code.java"),
        filesUnder(dir));
    assertEquals(factors.describe(), Files.readString(dir.resolve("cache_key_factors")));
    assertEquals(
        entry("a").transformedCode(), Files.readString(dir.resolve("transformed_code.java")));
    assertEquals(entry("a").graphDump(), Files.readString(dir.resolve("graph.txt")));
    String manifest = Files.readString(dir.resolve("manifest"));
    assertTrue(manifest.startsWith(Manifest.HEADER + "\n"), manifest);
    assertEquals(10, manifest.split("\n").length, manifest); // header, key, source, 6 files, hmac
    assertEquals(List.of(), list(root.resolve("tmp")), "temp folders left behind");
  }

  @Test
  void secondCacheOnTheSameFolderCompilesNothing() {
    open().getOrCompile(factors, counting(new AtomicInteger(), "a"));
    CompileCache again = open();
    CacheEntry e = again.getOrCompile(factors, MUST_NOT_COMPILE);
    assertEquals("class Kernel { /* a */ }", text(e, "Kernel.java"));
    assertEquals(new CacheStats(1, 0, 0, 0, 0), again.stats());
  }

  @Test
  void otherFactorsGetTheirOwnEntry() {
    CompileCache cache = open();
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "a"));
    CacheEntry other = cache.getOrCompile(factors("v2"), counting(calls, "b"));
    assertEquals(2, calls.get());
    assertEquals("class Kernel { /* b */ }", text(other, "Kernel.java"));
  }

  @Test
  void corruptedArtifactByteIsQuarantinedAndRebuiltWithAWarning() throws IOException {
    open().getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Path dir = root.resolve(factors.key());
    Path classFile = dir.resolve("artifacts/classes/Kernel.class");
    byte[] bytes = Files.readAllBytes(classFile);
    bytes[2] ^= 0x01;
    Files.write(classFile, bytes);

    CompileCache cache = open();
    AtomicInteger calls = new AtomicInteger();
    CacheEntry rebuilt = cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertEquals("class Kernel { /* b */ }", text(rebuilt, "Kernel.java"));
    assertEquals(new CacheStats(0, 1, 1, 1, 0), cache.stats());
    assertWarned("artifacts/classes/Kernel.class' does not match its sha256");

    List<Path> quarantined = list(root.resolve("quarantine"));
    assertEquals(1, quarantined.size());
    assertTrue(quarantined.get(0).getFileName().toString().startsWith(factors.key() + "-"));
    assertArrayEquals(
        bytes, Files.readAllBytes(quarantined.get(0).resolve("artifacts/classes/Kernel.class")));
    assertTrue(
        Files.readString(quarantined.get(0).resolve("quarantine_reason")).contains("sha256"));
    assertSameEntry(rebuilt, open().getOrCompile(factors, MUST_NOT_COMPILE));
  }

  @Test
  void largeArtifactIsReadMappedAndCheckedLikeAnyOther() throws IOException {
    byte[] weights = new byte[(int) EntryReader.MAP_BYTES + 12_345];
    new java.util.Random(7).nextBytes(weights);
    Supplier<CacheEntry> withWeights =
        () -> CacheEntry.of(VariantArtifacts.handedOver(Map.of("weights-0.bin", weights)));
    open().getOrCompile(factors, withWeights);

    CacheEntry read = open().get(factors).orElseThrow();
    assertTrue(read.artifacts().buffer("weights-0.bin").isDirect(), "a large file is mapped");
    assertTrue(read.artifacts().buffer("weights-0.bin").isReadOnly());
    assertEquals(weights.length, read.artifacts().buffer("weights-0.bin").remaining());
    assertArrayEquals(weights, read.artifacts().get("weights-0.bin"));

    // One byte changed deep inside the mapped file is caught by its sha256, as for a small one.
    Path file = root.resolve(factors.key()).resolve("artifacts/weights-0.bin");
    byte[] damaged = Files.readAllBytes(file);
    damaged[damaged.length - 100] ^= 0x10;
    Files.write(file, damaged);
    CompileCache cache = open();
    assertTrue(cache.get(factors).isEmpty());
    assertWarned("artifacts/weights-0.bin' does not match its sha256");
    assertEquals(new CacheStats(0, 1, 0, 1, 0), cache.stats());
  }

  @Test
  void partialEntryWithoutManifestIsRebuilt() throws IOException {
    open().getOrCompile(factors, counting(new AtomicInteger(), "a"));
    Files.delete(root.resolve(factors.key()).resolve("manifest"));
    CompileCache cache = open();
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertEquals(new CacheStats(0, 1, 1, 1, 0), cache.stats());
    assertWarned("the manifest is missing");
  }

  @Test
  void truncatedFileMissingFileAndForeignFactorsAreEachDetected() throws IOException {
    String[][] damages = {
      {"artifacts/tuning.json", "truncate", "has 4 bytes but the manifest says"},
      {"graph.txt", "delete", "'graph.txt' is listed in the manifest but missing"},
      {"cache_key_factors", "rewrite", "'cache_key_factors' has 15 bytes"},
      {"manifest", "rewrite", "manifest does not start with"},
    };
    for (String[] d : damages) {
      CompileCache cache = open();
      cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
      Path file = root.resolve(factors.key()).resolve(d[0]);
      switch (d[1]) {
        case "truncate" -> Files.write(file, "{\"ge".getBytes(StandardCharsets.UTF_8));
        case "delete" -> Files.delete(file);
        default -> Files.writeString(file, "something else\n");
      }
      assertTrue(open().get(factors).isEmpty(), d[0]);
      assertWarned(d[2]);
      assertFalse(Files.exists(root.resolve(factors.key())), d[0]);
    }
    assertEquals(damages.length, list(root.resolve("quarantine")).size());
  }

  @Test
  void entryOfOtherFactorsUnderThisKeyIsDetected() throws IOException {
    CompileCache cache = open();
    CacheKeyFactors other = factors("v2");
    cache.getOrCompile(other, counting(new AtomicInteger(), "a"));
    // A whole, signed entry under the wrong name: the key in its signed manifest tells.
    Files.move(root.resolve(other.key()), root.resolve(factors.key()));
    assertTrue(cache.get(factors).isEmpty());
    assertWarned("the manifest is that of entry " + other.key());
  }

  @Test
  void disabledCacheAlwaysCompilesAndWritesNothing() {
    Path under = root.resolve("cache");
    CompileCache cache = CompileCache.open(under, false, log);
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "a"));
    cache.getOrCompile(factors, counting(calls, "a"));
    assertEquals(2, calls.get());
    assertTrue(cache.get(factors).isEmpty());
    assertFalse(cache.enabled());
    assertFalse(Files.exists(under));
    assertEquals(new CacheStats(0, 3, 0, 0, 0), cache.stats());
    CompileCache.disabled().getOrCompile(factors, counting(calls, "b"));
    assertEquals(3, calls.get());
    assertTrue(log.lines.isEmpty(), log.lines.toString());
  }

  @Test
  void unwritableRootStillReturnsTheCompiledEntryWithAWarning() throws IOException {
    // A regular file where the root should be: no folder can be made under it, even as root.
    Path blocker = Files.writeString(root.resolve("not-a-folder"), "x");
    CompileCache cache = CompileCache.open(blocker.resolve("cache"), true, log);
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "a"));
    assertEquals("class Kernel { /* a */ }", text(e, "Kernel.java"));
    cache.getOrCompile(factors, counting(calls, "a"));
    assertEquals(2, calls.get());
    assertEquals(new CacheStats(0, 2, 0, 0, 2), cache.stats());
    assertWarned("spark.ember.compile.cacheDir");
  }

  @Test
  void failedSaveCountsAWriteFailureAndLeavesNoTempFolder() throws IOException {
    CompileCache cache = open();
    Files.writeString(root.resolve("tmp"), "a file where temp folders should go");
    AtomicInteger calls = new AtomicInteger();
    CacheEntry e = cache.getOrCompile(factors, counting(calls, "a"));
    assertEquals("class Kernel { /* a */ }", text(e, "Kernel.java"));
    assertEquals(new CacheStats(0, 1, 0, 0, 1), cache.stats());
    assertWarned("cannot save entry " + factors.key());
    assertFalse(Files.exists(root.resolve(factors.key())));
  }

  @Test
  void artifactNameOutsideTheEntryIsRefusedAndNotWritten() {
    CompileCache cache = open();
    CacheEntry evil = CacheEntry.of(new VariantArtifacts(Map.of("../escape", new byte[] {1})));
    assertEquals(
        evil.artifacts().files().keySet(),
        cache.getOrCompile(factors, () -> evil).artifacts().files().keySet());
    assertEquals(1, cache.stats().writeFailures());
    assertFalse(Files.exists(root.resolve("escape")));
    assertWarned("must be '/'-separated segments");
  }

  @Test
  void compileFailurePropagatesAndSavesNothing() {
    CompileCache cache = open();
    RuntimeException boom = new IllegalStateException("janino failed");
    try {
      cache.getOrCompile(
          factors,
          () -> {
            throw boom;
          });
      fail("expected the compile's exception");
    } catch (IllegalStateException e) {
      assertEquals(boom, e);
    }
    assertTrue(cache.get(factors).isEmpty());
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "a")); // the key's lock was released
    assertEquals(1, calls.get());
  }

  @Test
  void invalidateQuarantinesSoTheNextLookupCompiles() throws IOException {
    CompileCache cache = open();
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    assertTrue(cache.invalidate(factors, "backend could not load Kernel.class"));
    assertFalse(cache.invalidate(factors, "again"));
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(factors, counting(calls, "b"));
    assertEquals(1, calls.get());
    assertWarned("backend could not load Kernel.class");
    assertEquals(1, cache.stats().quarantined());
  }

  @Test
  void staleTempFoldersOfCrashedWritersAreSweptRecentOnesKept() throws IOException {
    CompileCache cache = open();
    Path stale = Files.createDirectories(root.resolve("tmp").resolve(factors.key() + ".1.2"));
    Files.writeString(stale.resolve("half"), "x");
    Path recent = Files.createDirectories(root.resolve("tmp").resolve("0123.3.4"));
    java.nio.file.attribute.FileTime old =
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(CompileCache.STALE_TEMP_AGE.multipliedBy(2)));
    Files.setLastModifiedTime(stale, old);
    open();
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(recent));
    // A compile of the key removes its own leftovers whatever their age.
    Path leftover = Files.createDirectories(root.resolve("tmp").resolve(factors.key() + ".5.6"));
    cache.getOrCompile(factors, counting(new AtomicInteger(), "a"));
    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(recent));
  }

  private void assertWarned(String fragment) {
    assertTrue(
        log.warnings().stream().anyMatch(w -> w.contains(fragment)),
        () -> "no WARNING containing '" + fragment + "' in " + log.warnings());
  }

  static void assertSameEntry(CacheEntry expected, CacheEntry actual) {
    assertEquals(expected.artifacts().files().keySet(), actual.artifacts().files().keySet());
    expected
        .artifacts()
        .files()
        .forEach((name, bytes) -> assertArrayEquals(bytes, actual.artifacts().get(name), name));
    assertEquals(expected.transformedCode(), actual.transformedCode());
    assertEquals(expected.graphDump(), actual.graphDump());
  }

  private static List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
