package dev.ember.executor.backend.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.TestModels;
import java.nio.file.Path;
import java.util.List;

/**
 * A model with an op Ember lacks, built from an ONNX node test: ReduceSumSquare (the node test
 * ships it expanded into Mul + ReduceSum, which Ember has) as one node over a batch of rows, with
 * the node test's axes and keepdims, so its inputs and expected outputs check the result.
 */
final class ReduceSumSquareModel {
  static final String OP = "ReduceSumSquare";
  static final Path CASE = NodeTestFolders.resource(
      "onnx-node-tests/test_reduce_sum_square_do_not_keepdims_random_expanded");

  private ReduceSumSquareModel() {}

  /** The node test's data input (3 rows of 2 x 2). */
  static Tensor input() {
    return TensorFiles.read(CASE.resolve("test_data_set_0/input_0.pb")).tensor();
  }

  /** The node test's expected output (3 rows of 2). */
  static Tensor expected() {
    return TensorFiles.read(CASE.resolve("test_data_set_0/output_0.pb")).tensor();
  }

  /** The ONNX bytes: data [batch, 2, 2] -> ReduceSumSquare(axes, keepdims) -> reduced [batch, 2]. */
  static byte[] bytes() {
    Tensor axes = TensorFiles.read(CASE.resolve("test_data_set_0/input_1.pb")).tensor();
    assertArrayEquals(new long[] {1}, axes.rawLongs(), "the node test reduces axis 1");
    Node reduce = OnnxLoader.load(CASE.resolve("model.onnx")).graph().nodes().stream()
        .filter(n -> n.opType().equals("ReduceSum")).findFirst().orElseThrow();
    long keepdims = reduce.attrs().getInt("keepdims", 1);
    assertEquals(0, keepdims, "the node test drops the reduced axis");
    assertArrayEquals(new int[] {3, 2, 2}, input().shape());
    return TestModels.builder("reduce_sum_square").opset(18)
        .input("data", DType.FLOAT, "batch", 2, 2)
        .initializer("axes", axes)
        .output("reduced", DType.FLOAT, "batch", 2)
        .node(OP, List.of("data", "axes"), List.of("reduced"), TestModels.intAttr("keepdims", 0))
        .build().toByteArray();
  }
}
