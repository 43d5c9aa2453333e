package dev.ember.executor.dispatch;

import static dev.ember.executor.dispatch.DispatchModels.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxModel;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The store seam: what the compile cache sees, through the in-memory store. */
class VariantStoreTest {
  private static final Graph TOKENS = DispatchModels.tokens();
  private static final CompileOptions L3 =
      CompileOptions.level(3).withCaptureSizes(List.of(1, 8)).withSeqBuckets(List.of(4, 8));

  @Test
  void aSecondWrapperOnTheSameStoreCompilesNothing() {
    InMemoryVariantStore store = new InMemoryVariantStore();
    FakeBackend first = new FakeBackend();
    CompileWrapper w1 =
        CompileWrapper.builder(L3.withCaptureAhead(true)).backend(first).store(store).build(TOKENS);
    assertEquals(4, first.compiles.get());
    FakeBackend second = new FakeBackend();
    CompileWrapper w2 =
        CompileWrapper.builder(L3.withCaptureAhead(true))
            .backend(second)
            .store(store)
            .build(TOKENS);
    assertEquals(0, second.compiles.get());
    assertEquals(4, second.loads.get());
    assertEquals(4, store.hits());
    assertEquals(4, store.misses());
    Map<String, Tensor> in = DispatchModels.tokenInputs(3, 3, 1);
    assertSame(w1.call(in), w2.call(in), "loaded vs compiled");
  }

  @Test
  void aBackendOfAnotherNameDoesNotLoadTheEntriesOfAnother() {
    InMemoryVariantStore store = new InMemoryVariantStore();
    CompileWrapper.builder(L3.withCaptureAhead(true)).backend(new FakeBackend()).store(store)
        .build(TOKENS);
    FakeBackend other = new FakeBackend() {
      @Override
      public String name() {
        return "fake-other-settings";
      }
    };
    CompileWrapper.builder(L3.withCaptureAhead(true)).backend(other).store(store).build(TOKENS);
    assertEquals(4, other.compiles.get());
    assertEquals(0, other.loads.get());
  }

  @Test
  void eachNewVariantIsDumpedOnceWithItsSourceAndOptimisedGraph() {
    int[] dumpCalls = {0};
    InMemoryVariantStore mem = new InMemoryVariantStore();
    VariantStore counting =
        new VariantStore() {
          @Override
          public CompiledVariant obtain(
              VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile) {
            return mem.obtain(key, graph, backend, compile);
          }

          @Override
          public synchronized void writeDump(VariantKey key, String source, String graphDump) {
            dumpCalls[0]++;
            mem.writeDump(key, source, graphDump);
          }
        };
    FakeBackend fb = new FakeBackend(0, false, g -> "// generated for " + g.inputs());
    CompileWrapper w = CompileWrapper.builder(L3).backend(fb).store(counting).build(TOKENS);
    for (int i = 0; i < 5; i++) {
      w.call(DispatchModels.tokenInputs(2, 3, i));
      w.call(DispatchModels.tokenInputs(6, 7, i));
    }
    assertEquals(2, dumpCalls[0]);
    assertEquals(2, mem.dumps().size());
    List<String> graphs =
        mem.dumps().values().stream().map(InMemoryVariantStore.Dump::graph).toList();
    // 2 rows run as 1 + 1 at seq bucket 4; 6 rows padded to 8 at seq bucket 8.
    assertTrue(
        graphs.stream().anyMatch(g -> g.contains("input  x: float[1, 4, 4]")), graphs.toString());
    assertTrue(
        graphs.stream().anyMatch(g -> g.contains("input  x: float[8, 8, 4]")), graphs.toString());
    assertTrue(graphs.get(0).contains("= MatMul(x, W)"), graphs.get(0));
    mem.dumps().values().forEach(d -> assertTrue(d.source().startsWith("// generated for")));
  }

  @Test
  void artifactsThatNoLongerLoadAreCompiledAgain() {
    InMemoryVariantStore store = new InMemoryVariantStore();
    CompileOptions l1 = CompileOptions.level(1);
    CompileWrapper.builder(l1)
        .backend(new FakeBackend())
        .store(store)
        .build(TOKENS)
        .call(DispatchModels.tokenInputs(1, 1, 1));
    // A backend whose load always fails (as with a corrupt entry): the store rebuilds.
    FakeBackend broken =
        new FakeBackend() {
          @Override
          public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
            loads.incrementAndGet();
            throw new IllegalStateException("truncated class file");
          }
        };
    CompileWrapper w = CompileWrapper.builder(l1).backend(broken).store(store).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(1, 1, 1);
    assertSame(
        CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS).call(in),
        w.call(in),
        "rebuilt");
    assertEquals(1, broken.loads.get());
    assertEquals(1, broken.compiles.get());
    assertEquals(1, store.rebuilds());
  }

  @Test
  void graphHashCoversTheWeights() {
    Graph other =
        TOKENS.with(
            TOKENS.nodes(),
            TOKENS.outputs(),
            Map.of(
                "W", Tensor.zeros(dev.ember.executor.ir.DType.FLOAT, new int[] {4, 3}),
                "B", TOKENS.initializers().get("B"),
                "axes", TOKENS.initializers().get("axes")),
            TOKENS.valueTypes());
    assertEquals(GraphHash.of(TOKENS), GraphHash.of(DispatchModels.tokens()));
    assertNotEquals(GraphHash.of(TOKENS), GraphHash.of(other));
    assertEquals(64, GraphHash.of(TOKENS).length());
  }

  /**
   * With the source model given, its own weights count through its file digest: another digest
   * gives another hash; a weight the graph does not share with the model is still hashed by value.
   */
  @Test
  void graphHashOverASourceModelCoversItsDigestAndForeignWeights() {
    String a = "a".repeat(64);
    OnnxModel source = new OnnxModel("m", a, 8, "test", Map.of("", 17), TOKENS);
    OnnxModel otherFile = new OnnxModel("m", "b".repeat(64), 8, "test", Map.of("", 17), TOKENS);
    assertEquals(GraphHash.of(TOKENS, source), GraphHash.of(TOKENS, source));
    assertNotEquals(GraphHash.of(TOKENS, source), GraphHash.of(TOKENS, otherFile));
    assertNotEquals(GraphHash.of(TOKENS, source), GraphHash.of(TOKENS));

    Map<String, Tensor> foreign = new java.util.HashMap<>(TOKENS.initializers());
    foreign.put("W", Tensor.zeros(dev.ember.executor.ir.DType.FLOAT, new int[] {4, 3}));
    Map<String, Tensor> foreign2 = new java.util.HashMap<>(TOKENS.initializers());
    foreign2.put("W", Tensor.ofFloats(new int[] {4, 3}, new float[12]));
    foreign2.get("W").rawFloats()[5] = 1f;
    Graph g1 = TOKENS.with(TOKENS.nodes(), TOKENS.outputs(), foreign, TOKENS.valueTypes());
    Graph g2 = TOKENS.with(TOKENS.nodes(), TOKENS.outputs(), foreign2, TOKENS.valueTypes());
    assertNotEquals(GraphHash.of(g1, source), GraphHash.of(g2, source),
        "a weight that is not the model's own is hashed by its values");
  }
}
