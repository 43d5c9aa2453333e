package dev.ember.executor.dispatch;

import static dev.ember.executor.dispatch.DispatchModels.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.InterpBackend;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The builder's reference backend, not a hard-wired interpreter, runs level 0 and the overflow
 * shapes a static-only backend cannot compile.
 */
class ReferenceBackendTest {
  private static final Graph TOKENS = DispatchModels.tokens();
  private static final CompileOptions L3 =
      CompileOptions.level(3).withCaptureSizes(List.of(1, 8, 32)).withSeqBuckets(List.of(4, 8, 16));

  /** The interpreter under another name, counting its compiles. */
  private static final class CountingReference implements Backend {
    final AtomicInteger compiles = new AtomicInteger();
    private final InterpBackend interp = new InterpBackend();

    @Override
    public String name() {
      return "counting-ref";
    }

    @Override
    public CompiledVariant compile(Graph graph, VariantKey key) {
      compiles.incrementAndGet();
      return interp.compile(graph, key);
    }

    @Override
    public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
      return interp.load(graph, key, artifacts);
    }
  }

  @Test
  void levelZeroRunsOnTheInjectedReferenceBackend() {
    CountingReference ref = new CountingReference();
    CompileWrapper w =
        CompileWrapper.builder(CompileOptions.level(0)).referenceBackend(ref).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(2, 8, 3);
    assertSame(CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS).call(in),
        w.call(in), "level 0");
    assertEquals("counting-ref", w.backendName());
    assertEquals(1, ref.compiles.get());
  }

  @Test
  void overflowShapesFallBackToTheInjectedReferenceBackend() {
    CountingReference ref = new CountingReference();
    FakeBackend staticOnly = new FakeBackend(0, true, dev.ember.executor.ir.GraphPrinter::print);
    CompileWrapper w =
        CompileWrapper.builder(L3)
            .backend(staticOnly)
            .referenceBackend(ref)
            .build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(2, 40, 3);
    assertSame(CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS).call(in),
        w.call(in), "seq 40");
    assertEquals(1, ref.compiles.get());
    assertEquals("counting-ref", w.variants().get(0).key().backend());
  }
}
