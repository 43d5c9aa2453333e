package dev.ember.executor.ops.nn;

import static dev.ember.executor.ops.nn.NnTesting.node;
import static dev.ember.executor.ops.nn.NnTesting.randomFloats;
import static dev.ember.executor.ops.nn.NnTesting.run1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import org.junit.jupiter.api.Test;

class SoftmaxOpTest {
  private static final SoftmaxOp OP = new SoftmaxOp();

  @Test
  void rowsOfLargeValuesSumToOneWithoutOverflow() {
    int rows = 64;
    int len = 300;
    float[] v = randomFloats(rows * len, 1, 1f);
    for (int i = 0; i < v.length; i++) {
      v[i] = v[i] * 1e4f + (i % 2 == 0 ? 3e4f : -3e4f); // exp(3e4) overflows any float
    }
    Tensor y = run1(OP, node("Softmax", 13, 1, 1), Tensor.ofFloats(new int[] {rows, len}, v));
    float[] out = y.rawFloats();
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int j = 0; j < len; j++) {
        float p = out[r * len + j];
        assertTrue(p >= 0 && p <= 1, "row " + r + " has " + p);
        sum += p;
      }
      assertEquals(1.0, sum, 1e-5, "row " + r);
    }
  }

  @Test
  void largestInputGetsAlmostAllTheMass() {
    Tensor x = Tensor.ofFloats(new int[] {1, 3}, new float[] {1000f, 0f, -1000f});
    float[] y = run1(OP, node("Softmax", 13, 1, 1), x).rawFloats();
    assertEquals(1f, y[0]);
    assertEquals(0f, y[2]);
  }

  @Test
  void opset13NormalisesOneAxisButOpset11TheFlattenedTail() {
    float[] v = randomFloats(2 * 3 * 4, 2, 2f);
    Tensor x = Tensor.ofFloats(new int[] {2, 3, 4}, v);
    float[] y13 = run1(OP, node("Softmax", 13, 1, 1, "axis", 1), x).rawFloats();
    for (int a = 0; a < 2; a++) {
      for (int c = 0; c < 4; c++) {
        double sum = 0;
        for (int b = 0; b < 3; b++) {
          sum += y13[a * 12 + b * 4 + c];
        }
        assertEquals(1.0, sum, 1e-6);
      }
    }
    float[] y11 = run1(OP, node("Softmax", 11, 1, 1), x).rawFloats(); // default axis 1
    for (int a = 0; a < 2; a++) {
      double sum = 0;
      for (int i = 0; i < 12; i++) {
        sum += y11[a * 12 + i];
      }
      assertEquals(1.0, sum, 1e-6);
    }
  }

  @Test
  void doubleAndHalfInputsKeepTheirType() {
    Tensor d = Tensor.ofDoubles(new int[] {2}, new double[] {0, Math.log(3)});
    Tensor yd = run1(OP, node("Softmax", 13, 1, 1), d);
    assertEquals(0.25, yd.rawDoubles()[0], 1e-12);
    Tensor h = Tensor.ofFloats(DType.FLOAT16, new int[] {2}, new float[] {0, 1});
    assertEquals(DType.FLOAT16, run1(OP, node("Softmax", 13, 1, 1), h).dtype());
  }

  @Test
  void axisOutOfRangeIsAnAttributeError() {
    Tensor x = Tensor.ofFloats(new int[] {2, 2}, new float[4]);
    assertThrows(OpException.class, () -> run1(OP, node("Softmax", 13, 1, 1, "axis", 2), x));
  }
}
