package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.Tolerance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 through cpu-janino: a static [4, 37] variant, one symbolic variant fed two
 * different batch and sequence sizes, eight threads sharing one variant, and a variant rebuilt
 * from its artifacts without Janino. Every result matches the interpreter within 1e-4.
 */
class CpuMiniLmTest {
  private static final String OUT = "last_hidden_state";
  private static Graph original;
  private static Interpreter interp;

  @BeforeAll
  static void load() {
    original = MiniLmFixture.graph();
    interp = new Interpreter(original, OpRegistry.standard());
  }

  private static Map<String, int[]> shapes(int b, int s) {
    Map<String, int[]> m = new LinkedHashMap<>();
    for (String n : List.of("input_ids", "attention_mask", "token_type_ids")) {
      m.put(n, new int[] {b, s});
    }
    return m;
  }


  private static void assertMatches(Map<String, Tensor> feeds, CompiledVariant v) {
    Tensor want = interp.run(feeds).get(OUT);
    Tensor got = v.run(feeds).get(OUT);
    assertNull(Tolerance.mismatch(want, got, 1e-4, 1e-4));
  }

  private static VariantKey key(String shapes, String gemm) {
    return new VariantKey("minilm", CpuJaninoBackend.NAME, Map.of(), Map.of("cpu.gemm", gemm));
  }

  @Test
  void staticVariantMatchesTheInterpreterWithNoFallbacks() {
    Graph g = Specializer.specialize(original, shapes(4, 37));
    CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(g, key("4x37", "auto"));
    System.out.println("MiniLM [4,37]: gemm " + v.gemm() + ", kernels " + v.lowered().histogram()
        + ", largest method " + v.methodSizes().values().stream().mapToInt(i -> i).max()
        .getAsInt() + " bytes");
    assertTrue(v.lowered().fallbacks().isEmpty(), "fallbacks: " + v.lowered().fallbacks());
    v.methodSizes().forEach((m, bytes) -> assertTrue(bytes < JaninoCompiler.JIT_METHOD_LIMIT,
        m + " has " + bytes + " bytes"));
    assertMatches(MiniLmFixture.syntheticFeeds(4, 37, 1), v);
  }

  @Test
  void oneSymbolicVariantServesTwoShapes() {
    Graph g = new Specializer(OpRegistry.standard(), (n, r) -> {}).simplify(original);
    CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(g, key("sym", "java"));
    System.out.println("MiniLM symbolic: kernels " + v.lowered().histogram() + ", fallbacks "
        + v.lowered().fallbacks().size());
    assertMatches(MiniLmFixture.syntheticFeeds(2, 9, 2), v);
    assertMatches(MiniLmFixture.syntheticFeeds(3, 21, 3), v);
  }

  @Test
  void eightThreadsShareOneVariant() throws Exception {
    Graph g = Specializer.specialize(original, shapes(2, 11));
    CompiledVariant v = new CpuJaninoBackend().compile(g, key("2x11", "auto"));
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    List<Tensor> wants = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      inputs.add(MiniLmFixture.syntheticFeeds(2, 11, 100 + i));
      wants.add(interp.run(inputs.get(i)).get(OUT));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int id = t;
        results.add(pool.submit(() -> {
          for (int rep = 0; rep < 3; rep++) {
            int i = (id + rep) % 8;
            String m = Tolerance.mismatch(wants.get(i), v.run(inputs.get(i)).get(OUT), 1e-4,
                1e-4);
            if (m != null) {
              return "thread " + id + " input " + i + ": " + m;
            }
          }
          return null;
        }));
      }
      for (Future<String> f : results) {
        assertNull(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void artifactsReloadWithoutJanino() {
    Graph g = Specializer.specialize(original, shapes(1, 5));
    CpuJaninoBackend backend = new CpuJaninoBackend();
    VariantKey k = key("1x5", "java");
    CompiledVariant compiled = backend.compile(g, k);
    assertTrue(compiled.artifacts().files().keySet().stream().anyMatch(
        f -> f.startsWith(CpuJaninoBackend.CLASS_DIR)), "class bytes are saved");
    String tuning = new String(compiled.artifacts().get(CpuJaninoBackend.TUNING_FILE));
    assertTrue(tuning.contains("\"gemm\": \"java\""), tuning);
    long before = JaninoCompiler.compilations();
    CompiledVariant loaded = backend.load(g, k, compiled.artifacts());
    assertEquals(before, JaninoCompiler.compilations(), "load must not run Janino");
    assertEquals(compiled.source(), loaded.source());
    assertMatches(MiniLmFixture.syntheticFeeds(1, 5, 9), loaded);
  }
}
