package dev.ember.executor.ops.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The quantization ops beyond ONNX's node tests: the zero-point layouts a dynamic-quantization
 * export uses (uint8 activations, int8 weights with one zero point per column), exact int32
 * accumulation including its wrap-around, and the errors for layouts Ember refuses.
 */
class QuantOpsTest {
  static List<Tensor> run(String op, Map<String, AttrValue> attrs, Tensor... in) {
    List<String> names = Arrays.stream(in).map(t -> t == null ? "" : "i").toList();
    Node n = new Node("q", op, "", 21, names, List.of("y", "s", "z"), Attributes.of(attrs));
    return OpRegistry.standard().lookup(n).evaluate(new KernelContext(n, Arrays.asList(in)));
  }

  static Tensor random(DType t, int[] shape, Random r) {
    long[] v = new long[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < v.length; i++) {
      v[i] = t == DType.UINT8 ? r.nextInt(256) : r.nextInt(256) - 128;
    }
    return Tensor.ofLongs(t, shape, v);
  }

  @Test
  void matMulIntegerSubtractsRowAndColumnZeroPointsExactly() {
    Random r = new Random(7);
    int b = 2;
    int m = 3;
    int k = 5;
    int n = 7;
    Tensor a = random(DType.UINT8, new int[] {b, m, k}, r);
    Tensor w = random(DType.INT8, new int[] {k, n}, r);
    Tensor aZp = random(DType.UINT8, new int[] {m}, r);
    Tensor wZp = random(DType.INT8, new int[] {n}, r);
    Tensor y = run("MatMulInteger", Map.of(), a, w, aZp, wZp).get(0);
    assertEquals(DType.INT32, y.dtype());
    assertArrayEquals(new int[] {b, m, n}, y.shape());
    for (int t = 0; t < b; t++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          long want = 0;
          for (int p = 0; p < k; p++) {
            want += (a.getLong((t * m + i) * k + p) - aZp.getLong(i))
                * (w.getLong(p * n + j) - wZp.getLong(j));
          }
          assertEquals(want, y.getLong((t * m + i) * n + j), "at " + t + "," + i + "," + j);
        }
      }
    }
  }

  @Test
  void matMulIntegerAccumulatesInWrappingInt32() {
    int k = 70_000; // 255 * 127 * 70000 = 2.27e9, past Integer.MAX_VALUE
    long[] ones = new long[k];
    Arrays.fill(ones, 255);
    long[] w = new long[k];
    Arrays.fill(w, 127);
    Tensor y = run("MatMulInteger", Map.of(), Tensor.ofLongs(DType.UINT8, new int[] {1, k}, ones),
        Tensor.ofLongs(DType.INT8, new int[] {k, 1}, w)).get(0);
    assertEquals((int) (255L * 127 * k), y.getLong(0));
  }

  @Test
  void dynamicQuantizeLinearKeepsZeroExactAndHandlesAllZeros() {
    List<Tensor> q = run("DynamicQuantizeLinear", Map.of(),
        Tensor.ofFloats(new int[] {3}, new float[] {-1, 0, 2}));
    // scale 3/255, zero point round(1 / scale) = 85; 2 / scale = 170
    assertArrayEquals(new long[] {0, 85, 255}, q.get(0).rawLongs());
    assertEquals(3f / 255f, q.get(1).rawFloats()[0]);
    assertEquals(85, q.get(2).getLong(0));
    List<Tensor> zeros = run("DynamicQuantizeLinear", Map.of(),
        Tensor.ofFloats(new int[] {2}, new float[] {0, 0}));
    assertArrayEquals(new long[] {0, 0}, zeros.get(0).rawLongs());
    assertEquals(0, zeros.get(2).getLong(0));
  }

  @Test
  void quantizeLinearRefusesBadLayoutsAndTypesItCannotHold() {
    Tensor x = Tensor.ofFloats(new int[] {2, 3}, new float[6]);
    OpException shape = assertThrows(OpException.class, () -> run("QuantizeLinear",
        Map.of("axis", new AttrValue.IntAttr(1)), x,
        Tensor.ofFloats(new int[] {2}, new float[] {1, 1})));
    assertEquals(ErrorCode.SHAPE_MISMATCH, shape.code());
    OpException fp8 = assertThrows(OpException.class, () -> run("QuantizeLinear",
        Map.of("output_dtype", new AttrValue.IntAttr(17)), x, Tensor.scalarFloat(1)));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, fp8.code());
  }

  @Test
  void qlinearMatMulRefusesPerRowScales() {
    Tensor a = Tensor.ofLongs(DType.UINT8, new int[] {2, 2}, new long[4]);
    Tensor zp = Tensor.ofLongs(DType.UINT8, new int[0], new long[1]);
    Tensor one = Tensor.scalarFloat(1);
    OpException e = assertThrows(OpException.class, () -> run("QLinearMatMul", Map.of(), a,
        Tensor.ofFloats(new int[] {2}, new float[] {1, 2}), zp, a, one, zp, one, zp));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
  }
}
