package dev.ember.executor.testing;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorProtos;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * A model with an op Ember lacks, built from an ONNX node test: ReduceSumSquare (the node test
 * ships it expanded into Mul + ReduceSum, which Ember has) as one node over a batch of rows, with
 * the node test's axes and keepdims, so the node test's input and expected output check a run.
 * Read as class-path streams, so other modules' tests can use it from the test jar.
 */
public final class ReduceSumSquareModel {
  /** The op Ember lacks. */
  public static final String OP = "ReduceSumSquare";

  /** The node the model names ({@code <op>_<index>}, as {@link TestModels} names nodes). */
  public static final String NODE = "ReduceSumSquare_0";

  private static final String CASE =
      "onnx-node-tests/test_reduce_sum_square_do_not_keepdims_random_expanded/";

  private ReduceSumSquareModel() {}

  /** The node test's data input: 3 rows of 2 x 2 floats. */
  public static Tensor input() {
    return tensor("test_data_set_0/input_0.pb");
  }

  /** The node test's expected output: 3 rows of 2 floats. */
  public static Tensor expected() {
    return tensor("test_data_set_0/output_0.pb");
  }

  /**
   * The ONNX bytes: data [batch, 2, 2] -> ReduceSumSquare(axes, keepdims) -> reduced [batch, 2].
   *
   * @throws IllegalStateException if the node test is not the one this model is written for
   */
  public static byte[] bytes() {
    Tensor axes = tensor("test_data_set_0/input_1.pb");
    Node reduce = OnnxLoader.load(resource("model.onnx"), CASE).graph().nodes().stream()
        .filter(n -> n.opType().equals("ReduceSum")).findFirst().orElseThrow();
    long keepdims = reduce.attrs().getInt("keepdims", 1);
    if (!Arrays.equals(axes.rawLongs(), new long[] {1}) || keepdims != 0
        || !Arrays.equals(input().shape(), new int[] {3, 2, 2})) {
      throw new IllegalStateException("the node test changed: axes " + axes + ", keepdims "
          + keepdims + ", input " + Arrays.toString(input().shape()));
    }
    return TestModels.builder("reduce_sum_square").opset(18)
        .input("data", DType.FLOAT, "batch", 2, 2)
        .initializer("axes", axes)
        .output("reduced", DType.FLOAT, "batch", 2)
        .node(OP, List.of("data", "axes"), List.of("reduced"), TestModels.intAttr("keepdims", 0))
        .build().toByteArray();
  }

  private static Tensor tensor(String name) {
    try {
      return TensorProtos.decode(TensorProto.parseFrom(resource(name)), CASE + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in =
        ReduceSumSquareModel.class.getClassLoader().getResourceAsStream(CASE + name)) {
      if (in == null) {
        throw new IllegalStateException(CASE + name + " is not on the test class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
