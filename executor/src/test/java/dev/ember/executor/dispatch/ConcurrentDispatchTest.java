package dev.ember.executor.dispatch;

import static dev.ember.executor.dispatch.DispatchModels.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Eight threads share one wrapper: results stay correct, each variant compiles once and is
 * announced once, even when all threads ask for the same new variant at the same moment (the
 * backend sleeps while compiling to widen the race).
 */
class ConcurrentDispatchTest {
  private static final int THREADS = 8;
  private static final Graph TOKENS = DispatchModels.tokens();
  private static final CompileWrapper LEVEL0 =
      CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS);
  private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS);

  /** Counts announcements per variant index. */
  static final class Announcements implements CompileListener {
    final Map<Integer, AtomicInteger> byIndex = new ConcurrentHashMap<>();

    @Override
    public void onVariant(VariantEvent e) {
      byIndex.computeIfAbsent(e.index(), k -> new AtomicInteger()).incrementAndGet();
    }
  }

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  @Test
  void levelOneThreadsRacingOnNewShapesCompileEachOnce() throws Exception {
    FakeBackend fb = new FakeBackend(30, false, dev.ember.executor.ir.GraphPrinter::print);
    Announcements a = new Announcements();
    CompileWrapper w =
        CompileWrapper.builder(CompileOptions.level(1)).backend(fb).listener(a).build(TOKENS);
    int[][] shapes = {{1, 4}, {2, 4}, {3, 2}, {5, 7}};
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    List<Map<String, Tensor>> expected = new ArrayList<>();
    for (int i = 0; i < shapes.length; i++) {
      inputs.add(DispatchModels.tokenInputs(shapes[i][0], shapes[i][1], i));
      expected.add(LEVEL0.call(inputs.get(i)));
    }
    runAll(
        t -> {
          for (int k = 0; k < 40; k++) {
            int i = (t + k) % shapes.length;
            assertSame(expected.get(i), w.call(inputs.get(i)), "thread " + t + " shape " + i);
          }
        });
    assertEquals(4, fb.compiles.get());
    fb.compilesByKey.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(Set.of(0, 1, 2, 3), a.byIndex.keySet());
    a.byIndex.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(THREADS * 40, w.stats().calls());
  }

  @Test
  void levelThreeThreadsRacingOnOneLazyCaptureCompileItOnce() throws Exception {
    FakeBackend fb = new FakeBackend(50, false, dev.ember.executor.ir.GraphPrinter::print);
    Announcements a = new Announcements();
    CompileWrapper w =
        CompileWrapper.builder(
                CompileOptions.level(3)
                    .withCaptureSizes(List.of(1, 8, 32))
                    .withSeqBuckets(List.of(4, 8)))
            .backend(fb)
            .listener(a)
            .build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(5, 3, 1);
    Map<String, Tensor> want = LEVEL0.call(in);
    runAll(t -> assertSame(want, w.call(in), "thread " + t));
    assertEquals(1, fb.compiles.get());
    assertEquals(Map.of(w.captureIndex(8, 4), 1), counts(a));
  }

  @Test
  void dispatchToFromEightThreadsGivesEachThreadItsOwnResult() throws Exception {
    CompileWrapper w =
        CompileWrapper.builder(
                CompileOptions.level(3)
                    .withCaptureSizes(List.of(1, 8, 32))
                    .withSeqBuckets(List.of(4, 8))
                    .withCaptureAhead(true))
            .build(TOKENS);
    runAll(
        t -> {
          for (int k = 0; k < 20; k++) {
            int batch = new int[] {1, 8, 32}[(t + k) % 3];
            int seq = (t + k) % 2 == 0 ? 4 : 8;
            Map<String, Tensor> in = DispatchModels.tokenInputs(batch, seq, t * 1000L + k);
            Map<String, Tensor> got = w.dispatchTo(w.captureIndex(batch, seq), in);
            assertSame(LEVEL0.call(in), got, "thread " + t + " call " + k);
          }
        });
    assertEquals(THREADS * 20, w.stats().variants().stream().mapToLong(v -> v.dispatches()).sum());
  }

  @Test
  void levelThreeMixedShapesFromEightThreads() throws Exception {
    Announcements a = new Announcements();
    CompileWrapper w =
        CompileWrapper.builder(
                CompileOptions.level(3)
                    .withCaptureSizes(List.of(1, 8, 32))
                    .withSeqBuckets(List.of(4, 8)))
            .listener(a)
            .build(TOKENS);
    runAll(
        t -> {
          for (int k = 0; k < 10; k++) {
            int batch = 1 + (t * 7 + k * 5) % 45;
            int seq = 1 + (t + k) % 9; // 9 overflows to the general variant
            Map<String, Tensor> in = DispatchModels.tokenInputs(batch, seq, t * 100L + k);
            assertSame(LEVEL0.call(in), w.call(in), "thread " + t + " " + batch + "x" + seq);
          }
        });
    a.byIndex.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(w.variants().size(), a.byIndex.size());
  }

  private static Map<Integer, Integer> counts(Announcements a) {
    Map<Integer, Integer> m = new java.util.HashMap<>();
    a.byIndex.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  interface Body {
    void run(int thread) throws Exception;
  }

  /** Runs {@code body} on every thread, all released at once; rethrows the first failure. */
  private static void runAll(Body body) throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Future<Void>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Callable<Void> c =
          () -> {
            start.await();
            body.run(thread);
            return null;
          };
      futures.add(POOL.submit(c));
    }
    for (Future<Void> f : futures) {
      f.get();
    }
  }
}
