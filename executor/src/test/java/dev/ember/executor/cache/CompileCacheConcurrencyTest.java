package dev.ember.executor.cache;

import static dev.ember.executor.cache.CacheFixtures.factors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompileCacheConcurrencyTest {
  @TempDir Path root;

  /**
   * Both processes also start without a signing key, so they race to create it too: had they ended
   * with different keys, the second would refuse the first's entry and compile again.
   */
  @Test
  void twoProcessesRacingForOneKeyCompileOnceAndReadTheSameEntry() throws Exception {
    Path go = root.resolve("go");
    Path cacheRoot = root.resolve("cache");
    Path configHome = root.resolve("config");
    List<Process> processes = new ArrayList<>();
    List<Path> results = List.of(root.resolve("result-0"), root.resolve("result-1"));
    try {
      for (Path result : results) {
        processes.add(startRacer(cacheRoot, configHome, result, go));
      }
      for (Path result : results) {
        awaitFile(Path.of(result + ".ready"), processes);
      }
      Files.writeString(go, "go");
      for (int i = 0; i < processes.size(); i++) {
        assertTrue(processes.get(i).waitFor(60, TimeUnit.SECONDS), "racer " + i + " hung");
        assertEquals(0, processes.get(i).exitValue(), () -> log(results));
      }
    } finally {
      processes.forEach(Process::destroyForcibly);
    }
    List<Map<String, String>> outs = new ArrayList<>();
    for (Path result : results) {
      outs.add(parse(Files.readString(result)));
    }
    assertEquals(
        1, outs.stream().filter(o -> o.get("compiled").equals("true")).count(), outs::toString);
    assertEquals(outs.get(0).get("digest"), outs.get(1).get("digest"), outs::toString);

    CapturingLogger log = new CapturingLogger();
    Path keyFile =
        UserDirs.of(Map.of("XDG_CONFIG_HOME", configHome.toString()), "/").cacheKeyFile();
    CompileCache cache =
        CompileCache.open(cacheRoot, log, CompileCache.LOCK_WAIT, keyFile, FileOwners.system());
    CacheEntry stored = cache.get(CacheRaceMain.FACTORS).orElseThrow();
    assertEquals(outs.get(0).get("digest"), CacheRaceMain.digest(stored));
    assertTrue(log.warnings().isEmpty(), log.warnings().toString());
    assertFalse(Files.exists(cacheRoot.resolve("quarantine")));
    try (Stream<Path> tmp = Files.list(cacheRoot.resolve("tmp"))) {
      assertEquals(0, tmp.count(), "temp folders left behind");
    }
  }

  @Test
  void manyThreadsOnTwoCachesOfOneFolderCompileOnce() throws Exception {
    CapturingLogger log = new CapturingLogger();
    List<CompileCache> caches =
        List.of(CompileCache.open(root, true, log), CompileCache.open(root, true, log));
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger calls = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> digests = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        CompileCache cache = caches.get(t % 2);
        digests.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  CacheEntry e =
                      cache.getOrCompile(
                          factors("threads"),
                          () -> {
                            calls.incrementAndGet();
                            sleepMs(100);
                            return CacheFixtures.entry("threads");
                          });
                  return CacheRaceMain.digest(e);
                }));
      }
      List<String> got = new ArrayList<>();
      for (Future<String> f : digests) {
        got.add(f.get(60, TimeUnit.SECONDS));
      }
      assertEquals(1, calls.get());
      assertEquals(1, got.stream().distinct().count(), got::toString);
    } finally {
      pool.shutdownNow();
    }
    CacheStats a = caches.get(0).stats();
    CacheStats b = caches.get(1).stats();
    assertEquals(threads - 1, a.hits() + b.hits());
    assertEquals(1, a.misses() + b.misses());
    assertTrue(log.warnings().isEmpty(), log.warnings().toString());
  }

  @Test
  void aSlowCompileOfOneKeyDoesNotBlockAnotherKey() throws Exception {
    CompileCache cache = CompileCache.open(root, true, new CapturingLogger());
    CountDownLatch otherDone = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Boolean> slow =
          pool.submit(
              () -> {
                boolean[] released = new boolean[1];
                cache.getOrCompile(
                    factors("slow"),
                    () -> {
                      released[0] = await(otherDone);
                      return CacheFixtures.entry("slow");
                    });
                return released[0];
              });
      Future<?> fast =
          pool.submit(
              () -> {
                cache.getOrCompile(factors("fast"), () -> CacheFixtures.entry("fast"));
                otherDone.countDown();
              });
      fast.get(30, TimeUnit.SECONDS);
      assertTrue(slow.get(30, TimeUnit.SECONDS), "the other key waited on the slow one");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aKeyHeldTooLongIsCompiledWithoutTheCacheAndAWarning() throws Exception {
    CapturingLogger log = new CapturingLogger();
    CompileCache cache = CompileCache.open(root, true, log, Duration.ofMillis(200));
    CacheKeyFactors f = factors("held");
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      // Another holder (as a hung executor would) keeps the key's lock.
      Future<?> holder =
          pool.submit(
              () -> {
                try (KeyLock lock =
                    KeyLock.acquire(
                        root.toRealPath().resolve("locks").resolve(f.key() + ".lock"),
                        Duration.ofSeconds(10))) {
                  held.countDown();
                  await(release);
                }
                return null;
              });
      assertTrue(held.await(10, TimeUnit.SECONDS));
      AtomicInteger calls = new AtomicInteger();
      cache.getOrCompile(f, CacheFixtures.counting(calls, "a"));
      assertEquals(1, calls.get());
      assertEquals(new CacheStats(0, 1, 0, 0, 1), cache.stats());
      assertTrue(log.warnings().stream().anyMatch(w -> w.contains("waited 0 s")), log::toString);
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertTrue(cache.get(f).isEmpty(), "nothing was saved by the uncached compile");
  }

  @Test
  void aCompileThatLooksUpItsOwnKeyFailsInsteadOfWaitingOnItself() {
    CompileCache cache = CompileCache.open(root, true, new CapturingLogger());
    CacheKeyFactors f = factors("self");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                cache.getOrCompile(f, () -> cache.getOrCompile(f, () -> CacheFixtures.entry("x"))));
    assertTrue(e.getMessage().contains("would wait on itself"), e.getMessage());
    AtomicInteger calls = new AtomicInteger();
    cache.getOrCompile(f, CacheFixtures.counting(calls, "a")); // every lock was released
    assertEquals(1, calls.get());
  }

  private static Process startRacer(Path cacheRoot, Path configHome, Path result, Path go)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder racer =
        new ProcessBuilder(
            java,
            "-Xmx64m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            CacheRaceMain.class.getName(),
            cacheRoot.toString(),
            result.toString(),
            go.toString())
        .redirectErrorStream(true)
        .redirectOutput(Path.of(result + ".log").toFile());
    racer.environment().put("XDG_CONFIG_HOME", configHome.toString());
    return racer.start();
  }

  private static void awaitFile(Path file, List<Process> processes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(file)) {
      for (Process p : processes) {
        if (!p.isAlive() && p.exitValue() != 0) {
          throw new AssertionError("a racer exited with " + p.exitValue());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + file + " after 60 s");
      }
      Thread.sleep(5);
    }
  }

  private static Map<String, String> parse(String text) {
    return text.lines()
        .map(l -> l.split("=", 2))
        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
  }

  private static String log(List<Path> results) {
    StringBuilder sb = new StringBuilder();
    for (Path r : results) {
      try {
        sb.append(Files.readString(Path.of(r + ".log")));
      } catch (IOException e) {
        sb.append("(no log ").append(r).append(")");
      }
    }
    return sb.toString();
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
