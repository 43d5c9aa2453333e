package dev.ember.executor.ops.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LinearRegressor, LinearClassifier, Normalizer and Scaler against hand-computed results of the
 * ONNX operator spec (docs/Operators-ml.md); ONNX ships no node test for them.
 */
class LinearOpsTest {
  @Test
  void linearRegressorIsXTimesCoefficientsPlusIntercepts() {
    // coefficients [[1, 2], [3, 4]] per target; (1, 1) -> (13, 27), (2, 0) -> (12, 26)
    List<Tensor> y = MlNodes.op("LinearRegressor", 1).floats("coefficients", 1, 2, 3, 4)
        .floats("intercepts", 10, 20).i("targets", 2).run(new double[][] {{1, 1}, {2, 0}});
    assertArrayEquals(new int[] {2, 2}, y.get(0).shape());
    assertArrayEquals(new double[] {13, 27, 12, 26}, MlNodes.values(y.get(0)));
  }

  @Test
  void linearRegressorRejectsCoefficientsThatDoNotFitX() {
    OpException e = assertThrows(OpException.class, () -> MlNodes.op("LinearRegressor", 1)
        .floats("coefficients", 1, 2, 3).run(new double[][] {{1, 1}}));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
  }

  @Test
  void multiclassLinearClassifierTakesTheLargestScoreThenTransforms() {
    // scores of (1, 2): class a 1, class b 2 + 1 = 3, class c -1 - 2 = -3
    MlNodes n = MlNodes.op("LinearClassifier", 1).floats("coefficients", 1, 0, 0, 1, -1, -1)
        .floats("intercepts", 0, 1, 0).strings("classlabels_strings", "a", "b", "c");
    List<Tensor> none = n.run(new double[][] {{1, 2}, {5, 0}});
    assertArrayEquals(new String[] {"b", "a"}, none.get(0).rawStrings());
    assertArrayEquals(new double[] {1, 3, -3, 5, 1, -5}, MlNodes.values(none.get(1)));
    List<Tensor> soft = n.s("post_transform", "SOFTMAX").run(new double[][] {{1, 2}});
    double sum = Math.exp(1) + Math.exp(3) + Math.exp(-3);
    assertArrayEquals(new double[] {Math.exp(1) / sum, Math.exp(3) / sum, Math.exp(-3) / sum},
        MlNodes.values(soft.get(1)), 1e-6);
  }

  @Test
  void binaryLinearClassifierThresholdsTheRawScoreAtZero() {
    MlNodes n = MlNodes.op("LinearClassifier", 1).floats("coefficients", 1, -1)
        .floats("intercepts", 0).ints("classlabels_ints", 5, 7);
    List<Tensor> none = n.run(new double[][] {{2, 1}, {0, 1}});
    assertArrayEquals(new long[] {7, 5}, none.get(0).rawLongs());
    assertArrayEquals(new double[] {0, 1, 2, -1}, MlNodes.values(none.get(1)));
    List<Tensor> logistic = n.s("post_transform", "LOGISTIC").run(new double[][] {{2, 1}});
    double p = 1 / (1 + Math.exp(-1));
    assertArrayEquals(new double[] {1 - p, p}, MlNodes.values(logistic.get(1)), 1e-6);
  }

  @Test
  void normalizerDividesEachRowByItsNorm() {
    double[][] rows = {{3, -4}, {0, 0}};
    assertArrayEquals(new double[] {0.6, -0.8, 0, 0},
        MlNodes.values(MlNodes.op("Normalizer", 1).s("norm", "L2").run(rows).get(0)), 1e-7);
    assertArrayEquals(new double[] {3 / 7.0, -4 / 7.0, 0, 0},
        MlNodes.values(MlNodes.op("Normalizer", 1).s("norm", "L1").run(rows).get(0)), 1e-7);
    assertArrayEquals(new double[] {0.75, -1, 0, 0},
        MlNodes.values(MlNodes.op("Normalizer", 1).s("norm", "MAX").run(rows).get(0)), 1e-7);
  }

  @Test
  void scalerSubtractsOffsetAndMultipliesByScalePerFeature() {
    assertArrayEquals(new double[] {4, 2, 0, -2},
        MlNodes.values(MlNodes.op("Scaler", 1).floats("offset", 1, 2).floats("scale", 2)
            .run(new double[][] {{3, 3}, {1, 1}}).get(0)));
    OpException e = assertThrows(OpException.class, () -> MlNodes.op("Scaler", 1)
        .floats("scale", 1, 2, 3).run(new double[][] {{3, 3}}));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, e.code());
  }
}
