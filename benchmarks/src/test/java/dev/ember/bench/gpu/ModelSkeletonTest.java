package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The MiniLM skeleton is small, regenerates the same weights every time, and the model runs. */
class ModelSkeletonTest {
  private static byte[] onnx;
  private static byte[] skeleton;

  @BeforeAll
  static void strip() throws Exception {
    ModelSpec spec = ModelSpec.parse(ModelSpec.DEFAULT);
    onnx = spec.files(ModelFiles.local()).read(spec.modelLocation());
    skeleton = ModelSkeleton.strip(onnx, GpuPrepare.MIN_STRIPPED_ELEMENTS);
  }

  @Test
  void skeletonIsSmall() {
    assertTrue(onnx.length > 80_000_000, "the full model: " + onnx.length);
    assertTrue(skeleton.length < 1_000_000, "skeleton: " + skeleton.length + " bytes");
    // Word and position embeddings plus 6 layers x 6 matrices.
    assertEquals(38, ModelSkeleton.emptied(skeleton));
  }

  @Test
  void regeneratesTheSameModelWithTheSameStatistics() {
    byte[] a = ModelSkeleton.regenerate(skeleton);
    assertArrayEquals(a, ModelSkeleton.regenerate(skeleton));
    assertEquals(onnx.length, a.length, 100_000.0, "same graph, same tensor sizes");
    Graph real = OnnxLoader.load(onnx, "real").graph();
    Graph regen = OnnxLoader.load(a, "regenerated").graph();
    assertEquals(real.nodes().stream().map(n -> n.opType() + n.inputs() + n.outputs()).toList(),
        regen.nodes().stream().map(n -> n.opType() + n.inputs() + n.outputs()).toList());
    for (Map.Entry<String, Tensor> e : real.initializers().entrySet()) {
      Tensor t = e.getValue();
      Tensor r = regen.initializers().get(e.getKey());
      assertArrayEquals(t.shape(), r.shape(), e.getKey());
      if (t.size() >= GpuPrepare.MIN_STRIPPED_ELEMENTS && t.dtype().isFloating()) {
        double[] want = stats(t);
        double[] got = stats(r);
        assertEquals(want[0], got[0], 0.01 * want[1] + 1e-6, e.getKey() + " mean");
        assertEquals(want[1], got[1], 0.01 * want[1], e.getKey() + " std");
      }
    }
  }

  @Test
  void regeneratedModelRunsOnTheInterpreter() {
    Graph g = OnnxLoader.load(ModelSkeleton.regenerate(skeleton), "regenerated").graph();
    List<long[]> ids = List.of(new long[] {101, 7592, 2088, 102},
        new long[] {101, 1037, 2936, 2000, 2022, 17384, 1012, 102});
    long t0 = System.nanoTime();
    float[][] v = Embed.run(new Interpreter(g, OpRegistry.standard())::run,
        Embed.hiddenOutput(g), ids, Embed.corpusOrder(2, 2));
    System.out.printf("interpreter: 2 sentences in %d ms%n", (System.nanoTime() - t0) / 1000000);
    for (float[] row : v) {
      assertEquals(384, row.length);
      double norm = 0;
      for (float x : row) {
        assertTrue(Float.isFinite(x));
        norm += x * x;
      }
      assertEquals(1.0, norm, 1e-4);
    }
    assertTrue(dev.ember.bench.Vectors.cosine(v[0], v[1]) < 0.9999, "different sentences, different vectors");
  }

  private static double[] stats(Tensor t) {
    double sum = 0;
    for (int i = 0; i < t.size(); i++) {
      sum += t.getDouble(i);
    }
    double mean = sum / t.size();
    double sq = 0;
    for (int i = 0; i < t.size(); i++) {
      sq += (t.getDouble(i) - mean) * (t.getDouble(i) - mean);
    }
    return new double[] {mean, Math.sqrt(sq / t.size())};
  }
}
