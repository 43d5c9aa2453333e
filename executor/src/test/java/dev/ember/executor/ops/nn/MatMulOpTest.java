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

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatMulOpTest {
  private static final MatMulOp OP = new MatMulOp();
  private static final Node NODE = node("MatMul", 13, 2, 1);

  private static TensorType floats(Dim... dims) {
    return new TensorType(DType.FLOAT, Shape.of(List.of(dims)));
  }

  @Test
  void infersSymbolicBatchAndSequence() {
    Dim batch = Dim.symbolic("batch");
    Dim seq = Dim.symbolic("seq");
    TensorType a = floats(batch, seq, Dim.fixed(384));
    TensorType b = floats(Dim.fixed(384), Dim.fixed(1536));
    TensorType out = infer(OP, NODE, a, b).get(0);
    assertEquals(floats(batch, seq, Dim.fixed(1536)), out);
  }

  @Test
  void infersBroadcastBatchAndOneDimensionalOperands() {
    TensorType a = TensorType.of(DType.FLOAT, 2, 1, 3, 4);
    TensorType b = TensorType.of(DType.FLOAT, 5, 4, 6);
    assertEquals(TensorType.of(DType.FLOAT, 2, 5, 3, 6), infer(OP, NODE, a, b).get(0));
    TensorType v = TensorType.of(DType.FLOAT, 4);
    assertEquals(TensorType.of(DType.FLOAT, 2, 1, 3), infer(OP, NODE, a, v).get(0));
    assertEquals(TensorType.of(DType.FLOAT, 5, 6), infer(OP, NODE, v, b).get(0));
    assertEquals(TensorType.of(DType.FLOAT), infer(OP, NODE, v, v).get(0));
  }

  @Test
  void unknownInputsGiveUnknownShapesNotErrors() {
    TensorType unknownRank = new TensorType(DType.FLOAT, Shape.unknownRank());
    TensorType b = TensorType.of(DType.FLOAT, 4, 6);
    assertEquals(unknownRank, infer(OP, NODE, unknownRank, b).get(0));
    assertEquals(unknownRank, infer(OP, NODE, null, b).get(0));
    assertEquals(null, infer(OP, NODE, null, null).get(0));
  }

  @Test
  void broadcastBatchedProductMatchesNaiveLoop() {
    Tensor a = randomFloat(1, 2, 1, 3, 4);
    Tensor b = randomFloat(2, 5, 4, 6);
    Tensor y = run1(OP, NODE, a, b);
    assertArrayEquals(new int[] {2, 5, 3, 6}, y.shape());
    float[] expected = new float[2 * 5 * 3 * 6];
    float[] av = a.rawFloats();
    float[] bv = b.rawFloats();
    for (int i0 = 0; i0 < 2; i0++) {
      for (int i1 = 0; i1 < 5; i1++) {
        for (int r = 0; r < 3; r++) {
          for (int c = 0; c < 6; c++) {
            double s = 0;
            for (int p = 0; p < 4; p++) {
              s += av[i0 * 12 + r * 4 + p] * bv[i1 * 24 + p * 6 + c];
            }
            expected[((i0 * 5 + i1) * 3 + r) * 6 + c] = (float) s;
          }
        }
      }
    }
    assertTrue(maxRelError(expected, y.rawFloats()) < 1e-6);
  }

  @Test
  void largeProductsCrossBlockEdges() {
    // m odd, k and n past one packed panel (256 x 512) and not multiples of 4.
    int m = 7;
    int k = 301;
    int n = 515;
    Tensor a = randomFloat(3, m, k);
    Tensor b = randomFloat(4, k, n);
    float[] y = run1(OP, NODE, a, b).rawFloats();
    float[] expected = naive(a.rawFloats(), b.rawFloats(), m, n, k);
    assertTrue(maxRelError(expected, y) < 1e-4, "error " + maxRelError(expected, y));
  }

  @Test
  void doubleAndIntegerProducts() {
    Tensor a = Tensor.ofDoubles(new int[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor.ofDoubles(new int[] {3}, new double[] {1, 0.5, 0.25});
    assertArrayEquals(new double[] {2.75, 8}, run1(OP, NODE, a, b).rawDoubles());
    Tensor ia = Tensor.ofLongs(DType.INT32, new int[] {2, 2}, new long[] {1, 2, 3, 4});
    Tensor ib = Tensor.ofLongs(DType.INT32, new int[] {2, 2}, new long[] {5, 6, 7, 8});
    Tensor iy = run1(OP, NODE, ia, ib);
    assertEquals(DType.INT32, iy.dtype());
    assertArrayEquals(new long[] {19, 22, 43, 50}, iy.rawLongs());
  }

  @Test
  void emptyInnerDimensionGivesZeros() {
    Tensor a = Tensor.ofFloats(new int[] {2, 0}, new float[0]);
    Tensor b = Tensor.ofFloats(new int[] {0, 3}, new float[0]);
    Tensor y = run1(OP, NODE, a, b);
    assertArrayEquals(new int[] {2, 3}, y.shape());
    assertArrayEquals(new float[6], y.rawFloats());
  }

  @Test
  void innerDimensionMismatchNamesBothShapes() {
    Tensor a = randomFloat(5, 2, 3);
    Tensor b = randomFloat(6, 4, 5);
    OpException e = assertThrows(OpException.class, () -> run1(OP, NODE, a, b));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"),
        e.getMessage());
    TensorType ta = floats(Dim.symbolic("batch"), Dim.fixed(3));
    OpException ie = assertThrows(
        OpException.class, () -> infer(OP, NODE, ta, TensorType.of(DType.FLOAT, 4, 5)));
    assertTrue(ie.getMessage().contains("[batch, 3]") && ie.getMessage().contains("[4, 5]"),
        ie.getMessage());
  }

  @Test
  void interpreterReportsTheNodeAndBothShapes() {
    Node proj = new Node("proj", "MatMul", "", 13, List.of("x", "w"), List.of("y"),
        Attributes.empty());
    TensorType any = new TensorType(DType.FLOAT, Shape.unknownRank());
    Graph g = new Graph("g", List.of(proj), List.of(new ValueInfo("x", any)),
        List.of(new ValueInfo("y", any)), Map.of("w", randomFloat(1, 4, 5)), Map.of(),
        Map.of("", 13));
    Interpreter interp = new Interpreter(g, OpRegistry.standard());
    EmberException e = assertThrows(EmberException.class,
        () -> interp.run(Map.of("x", randomFloat(2, 2, 3))));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("'proj' (MatMul, opset 13)")
        && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"),
        e.getMessage());
  }

  @Test
  void incompatibleBatchDimsAndMixedTypesAreRejected() {
    OpException e = assertThrows(OpException.class,
        () -> run1(OP, NODE, randomFloat(7, 2, 3, 4), randomFloat(8, 3, 4, 5)));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    Tensor d = Tensor.ofDoubles(new int[] {4, 5}, new double[20]);
    OpException t = assertThrows(OpException.class,
        () -> run1(OP, NODE, randomFloat(9, 3, 4), d));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, t.code());
  }

  static float[] naive(float[] a, float[] b, int m, int n, int k) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
        }
        c[i * n + j] = (float) s;
      }
    }
    return c;
  }
}
