package dev.ember.executor.ops.nn;

import static dev.ember.executor.ops.nn.NnTesting.infer;
import static dev.ember.executor.ops.nn.NnTesting.maxRelError;
import static dev.ember.executor.ops.nn.NnTesting.node;
import static dev.ember.executor.ops.nn.NnTesting.randomFloat;
import static dev.ember.executor.ops.nn.NnTesting.run1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class GemmOpTest {
  private static final GemmOp OP = new GemmOp();

  /** Y = alpha * op(A) * op(B) + beta * C, C indexed by (i, j) through its broadcast. */
  private static float[] naive(Tensor a, boolean ta, Tensor b, boolean tb, Tensor c,
      float alpha, float beta) {
    int m = a.dim(ta ? 1 : 0);
    int k = a.dim(ta ? 0 : 1);
    int n = b.dim(tb ? 0 : 1);
    float[] y = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float av = a.rawFloats()[ta ? p * m + i : i * k + p];
          float bv = b.rawFloats()[tb ? j * k + p : p * n + j];
          s += (double) av * bv;
        }
        double bias = 0;
        if (c != null) {
          int[] cs = c.shape();
          int ci = cs.length == 0 ? 0
              : cs.length == 1 ? (cs[0] == 1 ? 0 : j)
              : (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
          bias = c.rawFloats()[ci];
        }
        y[i * n + j] = (float) (alpha * s + beta * bias);
      }
    }
    return y;
  }

  @Test
  void transposesAlphaBetaAndBiasShapesMatchNaiveLoop() {
    int m = 9;
    int k = 263; // past one packed panel, not a multiple of 4
    int n = 11;
    int[][] biasShapes = {{}, {n}, {1, n}, {m, 1}, {m, n}};
    long seed = 10;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (int[] cs : biasShapes) {
          Tensor a = ta ? randomFloat(seed++, k, m) : randomFloat(seed++, m, k);
          Tensor b = tb ? randomFloat(seed++, n, k) : randomFloat(seed++, k, n);
          Tensor c = randomFloat(seed++, cs);
          Node node = node("Gemm", 13, 3, 1, "transA", ta ? 1 : 0, "transB", tb ? 1 : 0,
              "alpha", 0.5f, "beta", -2f);
          Tensor y = run1(OP, node, a, b, c);
          assertArrayEquals(new int[] {m, n}, y.shape());
          double err = maxRelError(naive(a, ta, b, tb, c, 0.5f, -2f), y.rawFloats());
          assertTrue(err < 1e-5, "transA=" + ta + " transB=" + tb + " error " + err);
        }
      }
    }
  }

  @Test
  void cIsOptionalFromOpset11Only() {
    Tensor a = randomFloat(1, 3, 4);
    Tensor b = randomFloat(2, 4, 5);
    Tensor y = run1(OP, node("Gemm", 11, 2, 1), a, b);
    assertTrue(maxRelError(naive(a, false, b, false, null, 1f, 0f), y.rawFloats()) < 1e-6);
    OpException e =
        assertThrows(OpException.class, () -> run1(OP, node("Gemm", 9, 2, 1), a, b));
    assertTrue(e.getMessage().contains("requires input C"), e.getMessage());
  }

  @Test
  void opset6NeedsBroadcastFlagForSmallerC() {
    Tensor a = randomFloat(1, 3, 4);
    Tensor b = randomFloat(2, 4, 5);
    Tensor c = randomFloat(3, 5);
    assertThrows(OpException.class, () -> run1(OP, node("Gemm", 6, 3, 1), a, b, c));
    Tensor y = run1(OP, node("Gemm", 6, 3, 1, "broadcast", 1), a, b, c);
    assertTrue(maxRelError(naive(a, false, b, false, c, 1f, 1f), y.rawFloats()) < 1e-6);
  }

  @Test
  void badShapesAreShapeMismatches() {
    Node node = node("Gemm", 13, 3, 1, "transB", 1);
    OpException k = assertThrows(OpException.class,
        () -> run1(OP, node, randomFloat(1, 3, 4), randomFloat(2, 4, 5), randomFloat(3, 5)));
    assertEquals(ErrorCode.SHAPE_MISMATCH, k.code());
    OpException c = assertThrows(OpException.class,
        () -> run1(OP, node, randomFloat(1, 3, 4), randomFloat(2, 5, 4), randomFloat(3, 2, 5)));
    assertTrue(c.getMessage().contains("[2, 5]"), c.getMessage());
  }

  @Test
  void integerGemmNeedsWholeAlpha() {
    Tensor a = Tensor.ofLongs(DType.INT64, new int[] {1, 2}, new long[] {1, 2});
    Tensor b = Tensor.ofLongs(DType.INT64, new int[] {2, 1}, new long[] {3, 4});
    Tensor c = Tensor.ofLongs(DType.INT64, new int[] {1}, new long[] {100});
    Tensor y = run1(OP, node("Gemm", 13, 3, 1, "alpha", 2f, "beta", 1f), a, b, c);
    assertArrayEquals(new long[] {122}, y.rawLongs());
    assertThrows(OpException.class,
        () -> run1(OP, node("Gemm", 13, 3, 1, "alpha", 0.5f), a, b, c));
  }

  @Test
  void infersSymbolicMAndTransposedN() {
    Dim rows = Dim.symbolic("rows");
    TensorType a = new TensorType(DType.FLOAT, Shape.of(List.of(rows, Dim.fixed(384))));
    TensorType b = TensorType.of(DType.FLOAT, 10, 384);
    TensorType c = TensorType.of(DType.FLOAT, 10);
    TensorType y = infer(OP, node("Gemm", 13, 3, 1, "transB", 1), a, b, c).get(0);
    assertEquals(new TensorType(DType.FLOAT, Shape.of(List.of(rows, Dim.fixed(10)))), y);
  }
}
