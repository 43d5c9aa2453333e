package dev.ember.executor.dispatch;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small graphs with batch and seq dims, and inputs for them. */
final class DispatchModels {
  private DispatchModels() {}

  /**
   * Inputs {@code ids} int64 [batch, seq] and {@code x} float [batch, seq, 4]; outputs {@code y =
   * x @ W + b} [batch, seq, 3], {@code z = sum(x, axis 2) + float(ids)} [batch, seq] and {@code w =
   * W} [4, 3] (no batch dim). Every output position depends only on the same input position, so
   * zero padding leaves the real positions alone.
   */
  static Graph tokens() {
    float[] w = new float[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 5 - 2) * 0.25f + i * 0.01f;
    }
    return TestModels.graph(
        TestModels.builder("tokens")
            .input("ids", DType.INT64, "batch", "seq")
            .input("x", DType.FLOAT, "batch", "seq", 4)
            .output("y", DType.FLOAT, "batch", "seq", 3)
            .output("z", DType.FLOAT, "batch", "seq")
            .output("w", DType.FLOAT, 4, 3)
            .initializer("W", Tensor.ofFloats(new int[] {4, 3}, w))
            .initializer("B", Tensor.ofFloats(new int[] {3}, new float[] {0.5f, -0.5f, 0.1f}))
            .initializer("axes", Tensor.int64Vector(2))
            .node("MatMul", List.of("x", "W"), List.of("xw"))
            .node("Add", List.of("xw", "B"), List.of("y"))
            .node("Cast", List.of("ids"), List.of("idf"), TestModels.intAttr("to", 1))
            .node(
                "ReduceSum", List.of("x", "axes"), List.of("z0"), TestModels.intAttr("keepdims", 0))
            .node("Add", List.of("z0", "idf"), List.of("z"))
            .node("Identity", List.of("W"), List.of("w"))
            .build());
  }

  /** Input {@code x} float [n, 4], output {@code y = relu(x @ W)} [n, 3]: a batch dim only. */
  static Graph rows() {
    float[] w = new float[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 3 - 1) * 0.5f;
    }
    return TestModels.graph(
        TestModels.builder("rows")
            .input("x", DType.FLOAT, "n", 4)
            .output("y", DType.FLOAT, "n", 3)
            .initializer("W", Tensor.ofFloats(new int[] {4, 3}, w))
            .node("MatMul", List.of("x", "W"), List.of("xw"))
            .node("Relu", List.of("xw"), List.of("y"))
            .build());
  }

  static Map<String, Tensor> tokenInputs(int batch, int seq, long seed) {
    Random r = new Random(seed);
    long[] ids = new long[batch * seq];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + r.nextInt(100);
    }
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("ids", Tensor.ofLongs(DType.INT64, new int[] {batch, seq}, ids));
    in.put("x", TestModels.randomFloats(new int[] {batch, seq, 4}, seed));
    return in;
  }

  static Map<String, Tensor> rowInputs(int n, long seed) {
    return Map.of("x", TestModels.randomFloats(new int[] {n, 4}, seed));
  }

  /** Fails with the first output that is not bit-for-bit equal. */
  static void assertSame(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
    assertClose(expected, actual, 0, 0, what);
  }

  static void assertClose(
      Map<String, Tensor> expected,
      Map<String, Tensor> actual,
      double rtol,
      double atol,
      String what) {
    if (!expected.keySet().equals(actual.keySet())) {
      throw new AssertionError(what + ": outputs " + actual.keySet() + " != " + expected.keySet());
    }
    for (String k : expected.keySet()) {
      String m = Tolerance.mismatch(expected.get(k), actual.get(k), rtol, atol);
      if (m != null) {
        throw new AssertionError(what + ": output '" + k + "': " + m);
      }
    }
  }
}
