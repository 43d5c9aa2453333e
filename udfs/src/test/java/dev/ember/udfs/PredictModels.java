package dev.ember.udfs;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small ONNX models written to disk for the predict tests, with their math in plain Java. */
final class PredictModels {
  static final float[] W = {0.5f, -1f, 0.25f, 2f, -0.5f, 0.75f, 1.5f, -0.25f, 1f, 0f, -2f, 0.5f};
  static final float[] B = {0.1f, -0.2f, 0.3f, 0f};

  private PredictModels() {}

  /** probs = Softmax(x @ W + b), logits = x @ W + b; x float [batch, 3], W [3, 4]. */
  static Path classifier(Path dir) throws IOException {
    return write(dir, "classifier.onnx", TestModels.builder("classifier")
        .input("x", DType.FLOAT, "batch", 3)
        .output("logits", DType.FLOAT, "batch", 4)
        .output("probs", DType.FLOAT, "batch", 4)
        .initializer("w", Tensor.ofFloats(new int[] {3, 4}, W))
        .initializer("b", Tensor.ofFloats(new int[] {4}, B))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "b"), List.of("logits"))
        .node("Softmax", List.of("logits"), List.of("probs"), TestModels.intAttr("axis", -1))
        .build().toByteArray());
  }

  /** doubled = ids * 2 ([batch, seq]), total = ReduceSum(ids, axis 1) ([batch]); int64 ids. */
  static Path sequence(Path dir) throws IOException {
    return write(dir, "sequence.onnx", TestModels.builder("sequence")
        .input("ids", DType.INT64, "batch", "seq")
        .output("doubled", DType.INT64, "batch", "seq")
        .output("total", DType.INT64, "batch")
        .initializer("two", Tensor.ofLongs(DType.INT64, new int[0], new long[] {2}))
        .initializer("axes", Tensor.int64Vector(1))
        .node("Mul", List.of("ids", "two"), List.of("doubled"))
        .node("ReduceSum", List.of("ids", "axes"), List.of("total"),
            TestModels.intAttr("keepdims", 0))
        .build().toByteArray());
  }

  /** The classifier's logits for one row, computed here in double. */
  static double[] logits(double[] x) {
    double[] z = new double[4];
    for (int j = 0; j < 4; j++) {
      z[j] = B[j];
      for (int i = 0; i < 3; i++) {
        z[j] += x[i] * W[i * 4 + j];
      }
    }
    return z;
  }

  static double[] softmax(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      p[i] = Math.exp(z[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < z.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }
}
