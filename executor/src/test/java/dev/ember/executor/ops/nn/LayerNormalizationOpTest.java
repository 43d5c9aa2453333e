package dev.ember.executor.ops.nn;

import static dev.ember.executor.ops.nn.NnTesting.infer;
import static dev.ember.executor.ops.nn.NnTesting.node;
import static dev.ember.executor.ops.nn.NnTesting.randomFloat;
import static dev.ember.executor.ops.nn.NnTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerNormalizationOpTest {
  private static final LayerNormalizationOp OP = new LayerNormalizationOp();

  @Test
  void matchesNaiveDoubleComputation() {
    int rows = 6;
    int width = 384;
    Tensor x = randomFloat(1, 2, 3, width);
    Tensor scale = randomFloat(2, width);
    Tensor bias = randomFloat(3, width);
    float eps = 1e-3f;
    Node node = node("LayerNormalization", 17, 3, 3, "epsilon", eps);
    List<Tensor> out = run(OP, node, x, scale, bias);
    float[] xv = x.rawFloats();
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int j = 0; j < width; j++) {
        mean += xv[r * width + j];
      }
      mean /= width;
      double var = 0;
      for (int j = 0; j < width; j++) {
        var += Math.pow(xv[r * width + j] - mean, 2);
      }
      var /= width;
      double inv = 1 / Math.sqrt(var + eps);
      for (int j = 0; j < width; j++) {
        double y = (xv[r * width + j] - mean) * inv * scale.rawFloats()[j] + bias.rawFloats()[j];
        assertEquals(y, out.get(0).rawFloats()[r * width + j], 1e-5 * (1 + Math.abs(y)));
      }
      assertEquals(mean, out.get(1).rawFloats()[r], 1e-6);
      assertEquals(inv, out.get(2).rawFloats()[r], 1e-5 * inv);
    }
    assertArrayEquals(new int[] {2, 3, 1}, out.get(1).shape());
    assertArrayEquals(new int[] {2, 3, 1}, out.get(2).shape());
  }

  @Test
  void statisticsAreFloatForDoubleInputAndOptional() {
    Tensor x = Tensor.ofDoubles(new int[] {2, 2}, new double[] {1, 3, 5, 5});
    Tensor scale = Tensor.ofDoubles(new int[] {2}, new double[] {1, 1});
    List<Tensor> out = run(OP, node("LayerNormalization", 17, 2, 2, "axis", 1), x, scale);
    assertEquals(DType.DOUBLE, out.get(0).dtype());
    assertEquals(DType.FLOAT, out.get(1).dtype());
    assertArrayEquals(new float[] {2, 5}, out.get(1).rawFloats());
    assertEquals(-1, out.get(0).rawDoubles()[0], 1e-4);
    assertNull(out.get(2)); // not asked for
  }

  @Test
  void axisZeroNormalisesEverything() {
    Tensor x = Tensor.ofFloats(new int[] {2, 2}, new float[] {1, 2, 3, 4});
    Tensor scale = Tensor.ofFloats(new int[] {1}, new float[] {2}); // broadcast to [2, 2]
    List<Tensor> out =
        run(OP, node("LayerNormalization", 17, 2, 2, "axis", 0, "epsilon", 0f), x, scale);
    double s = Math.sqrt(1.25);
    assertArrayEquals(
        new float[] {(float) (-3 / s), (float) (-1 / s), (float) (1 / s), (float) (3 / s)},
        out.get(0).rawFloats(), 1e-6f);
    assertArrayEquals(new int[] {1, 1}, out.get(1).shape());
  }

  @Test
  void scaleThatDoesNotBroadcastIsAShapeError() {
    Tensor x = randomFloat(1, 2, 4);
    assertThrows(OpException.class,
        () -> run(OP, node("LayerNormalization", 17, 2, 1), x, randomFloat(2, 3)));
  }

  @Test
  void infersStatisticShapesOverSymbolicDims() {
    Dim batch = Dim.symbolic("batch");
    TensorType x = new TensorType(DType.FLOAT16,
        Shape.of(List.of(batch, Dim.symbolic("seq"), Dim.fixed(384))));
    List<TensorType> t = infer(OP, node("LayerNormalization", 17, 2, 3, "axis", -2), x,
        TensorType.of(DType.FLOAT16, 384));
    assertEquals(x, t.get(0));
    TensorType stats = new TensorType(DType.FLOAT,
        Shape.of(List.of(batch, Dim.fixed(1), Dim.fixed(1))));
    assertEquals(stats, t.get(1));
    assertEquals(stats, t.get(2));
  }
}
