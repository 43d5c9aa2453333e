package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pooling as graph nodes gives what {@link Pooling} gives on the host. */
class PooledGraphTest {
  private static final String HIDDEN = "last_hidden_state";

  @Test
  void miniLmPooledInTheGraphMatchesHostPooling() {
    Graph g = MiniLmFixture.graph();
    Graph pooled = PooledGraph.of(g, HIDDEN, "attention_mask");
    assertEquals(List.of(PooledGraph.OUTPUT),
        pooled.outputs().stream().map(ValueInfo::name).toList());
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(3, 9, 11); // rows 1, 2 padded
    float[][] want = Pooling.meanPoolNormalized(
        new Interpreter(g, OpRegistry.standard()).run(in).get(HIDDEN), in.get("attention_mask"));
    assertClose(want, new Interpreter(pooled, OpRegistry.standard()).run(in)
        .get(PooledGraph.OUTPUT), 1e-6);
    // Compiled at level 3 on the CPU backend, padded to a captured size and bucket and back.
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(4)).withSeqBuckets(List.of(16)))
        .backend(new CpuJaninoBackend()).build(pooled);
    assertClose(want, w.call(in).get(PooledGraph.OUTPUT), 1e-5);
  }

  @ParameterizedTest
  @ValueSource(ints = {11, 13})
  void axesFollowTheOpset(int opset) {
    Dim b = Dim.symbolic("batch");
    Dim s = Dim.symbolic("seq");
    Graph g = new Graph("states", List.of(),
        List.of(new ValueInfo("h", new TensorType(DType.FLOAT, Shape.of(List.of(b, s,
            Dim.fixed(4))))), new ValueInfo("m", new TensorType(DType.INT64,
            Shape.of(List.of(b, s))))),
        List.of(new ValueInfo("h", new TensorType(DType.FLOAT, Shape.of(List.of(b, s,
            Dim.fixed(4)))))), Map.of(), Map.of(), Map.of("", opset));
    Random r = new Random(opset);
    float[] h = new float[2 * 3 * 4];
    for (int i = 0; i < h.length; i++) {
      h[i] = r.nextFloat() - 0.5f;
    }
    Tensor hidden = Tensor.ofFloats(new int[] {2, 3, 4}, h);
    // Row 1 is all padding: the zero vector, as Pooling gives, not NaN.
    Tensor mask = Tensor.ofLongs(DType.INT64, new int[] {2, 3}, new long[] {1, 1, 0, 0, 0, 0});
    Tensor got = new Interpreter(PooledGraph.of(g, "h", "m"), OpRegistry.standard())
        .run(Map.of("h", hidden, "m", mask)).get(PooledGraph.OUTPUT);
    assertEquals(List.of(2, 4), java.util.Arrays.stream(got.shape()).boxed().toList());
    assertClose(Pooling.meanPoolNormalized(hidden, mask), got, 1e-6);
    for (int k = 4; k < 8; k++) {
      assertEquals(0f, got.rawFloats()[k]);
    }
  }

  @Test
  void statesThatAreNotBatchSeqHiddenAreRefused() {
    Graph g = MiniLmFixture.graph();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PooledGraph.of(g, "attention_mask", "attention_mask"));
    assertTrue(e.getMessage().contains("'attention_mask'"), e.getMessage());
  }

  private static void assertClose(float[][] want, Tensor got, double tol) {
    float[] g = got.rawFloats();
    assertEquals(want.length * want[0].length, g.length);
    for (int i = 0; i < want.length; i++) {
      for (int k = 0; k < want[i].length; k++) {
        float v = g[i * want[i].length + k];
        assertTrue(Math.abs(v - want[i][k]) <= tol, "row " + i + " [" + k + "]: " + v + " vs "
            + want[i][k]);
      }
    }
  }
}
