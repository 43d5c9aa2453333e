package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One side of the two-process race in {@link CompileCacheConcurrencyTest}: opens the cache, says it
 * is ready, waits for the go file, then looks up one key with a slow compile whose output names
 * this process. Writes whether it compiled and a digest of what it got.
 *
 * <p>Arguments: cache root, result file, go file.
 */
public final class CacheRaceMain {
  static final CacheKeyFactors FACTORS = CacheFixtures.factors("race");

  private CacheRaceMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path result = Path.of(args[1]);
    Path go = Path.of(args[2]);
    CompileCache cache = CompileCache.open(root);
    Files.writeString(Path.of(args[1] + ".ready"), "ready");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!Files.exists(go)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no go file after 60 s");
      }
      Thread.sleep(2);
    }
    AtomicBoolean compiled = new AtomicBoolean();
    CacheEntry e =
        cache.getOrCompile(
            FACTORS,
            () -> {
              compiled.set(true);
              sleep(500); // long enough for the other process to arrive and wait on the lock
              return CacheFixtures.entry("compiled by pid " + ProcessHandle.current().pid());
            });
    writeAtomically(
        result,
        String.format(
            "compiled=%s%ndigest=%s%nstats=%s%n", compiled.get(), digest(e), cache.stats()));
  }

  static String digest(CacheEntry e) {
    StringBuilder sb = new StringBuilder();
    e.artifacts()
        .files()
        .forEach(
            (name, bytes) ->
                sb.append(name).append('=').append(Digests.sha256Hex(bytes)).append(';'));
    sb.append(e.transformedCode()).append(e.graphDump());
    return Digests.sha256Hex(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = Path.of(file + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", ie);
    }
  }
}
