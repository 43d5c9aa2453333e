package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CompileWrapper#dispatchTo} and the level-1/2 {@link CompileWrapper#call} allocate nothing
 * of their own: with a variant that returns a ready-made result, a hundred thousand calls allocate
 * (almost) no bytes on the calling thread.
 */
class DispatchAllocationTest {
  private static final int CALLS = 100_000;

  /** Variants that return one preallocated output map. */
  static final class Canned implements Backend {
    final Map<String, Tensor> result = Map.of("y", Tensor.scalarFloat(1f));

    @Override
    public String name() {
      return "canned";
    }

    @Override
    public CompiledVariant compile(Graph graph, VariantKey key) {
      return new CompiledVariant() {
        @Override
        public VariantKey key() {
          return key;
        }

        @Override
        public String source() {
          return "";
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
          return result;
        }

        @Override
        public VariantArtifacts artifacts() {
          return VariantArtifacts.none();
        }
      };
    }

    @Override
    public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
      return compile(graph, key);
    }
  }

  @Test
  void dispatchingAllocatesNothing() {
    var bean = ManagementFactory.getThreadMXBean();
    assumeTrue(
        bean instanceof com.sun.management.ThreadMXBean b && b.isThreadAllocatedMemoryEnabled(),
        "needs HotSpot's per-thread allocation counter");
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
    Graph g = DispatchModels.tokens();
    Map<String, Tensor> in = DispatchModels.tokenInputs(8, 4, 1);
    CompileWrapper l3 =
        CompileWrapper.builder(
                CompileOptions.level(3).withCaptureSizes(List.of(8)).withSeqBuckets(List.of(4)))
            .backend(new Canned())
            .build(g);
    CompileWrapper l1 =
        CompileWrapper.builder(CompileOptions.level(1)).backend(new Canned()).build(g);
    CompileWrapper l2 =
        CompileWrapper.builder(CompileOptions.level(2)).backend(new Canned()).build(g);
    int index = l3.captureIndex(8, 4);
    for (CompileWrapper w : List.of(l1, l2)) {
      w.call(in); // compile before measuring
    }
    long[] bytes = new long[3];
    for (int round = 0; round < 3; round++) { // the last round runs JIT-compiled code
      long t = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(t);
      for (int i = 0; i < CALLS; i++) {
        l3.dispatchTo(index, in);
        l1.call(in);
        l2.call(in);
      }
      bytes[round] = mx.getThreadAllocatedBytes(t) - before;
    }
    assertTrue(bytes[2] < 64 * 1024, "allocated " + bytes[2] + " bytes in " + 3 * CALLS + " calls");
  }
}
