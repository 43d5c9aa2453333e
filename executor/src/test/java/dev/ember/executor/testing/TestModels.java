package dev.ember.executor.testing;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorProtos;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorShapeProto;
import dev.ember.executor.onnx.wire.OnnxWire.TypeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ONNX models built in code with the protobuf builders, so tests need no opaque binaries.
 *
 * <pre>{@code
 * ModelProto m = TestModels.builder("relu").opset(17)
 *     .input("x", DType.FLOAT, "batch", 4).output("y", DType.FLOAT)
 *     .node("Relu", List.of("x"), List.of("y")).build();
 * Graph g = TestModels.graph(m);
 * }</pre>
 */
public final class TestModels {
  /** The default-domain opset the models import unless told otherwise. */
  public static final int DEFAULT_OPSET = 17;

  private TestModels() {}

  public static Builder builder(String graphName) {
    return new Builder(graphName);
  }

  /**
   * One node of {@code opType} reading inputs {@code x0..x<n-1>}, each of {@code dtype} and {@code
   * shape}, writing {@code y} of the same element type and unknown shape.
   */
  public static ModelProto singleOp(
      String opType, DType dtype, long[] shape, int inputs, AttributeProto... attrs) {
    Builder b = builder(opType.toLowerCase());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      Object[] dims = Arrays.stream(shape).boxed().toArray();
      b.input("x" + i, dtype, dims);
      names.add("x" + i);
    }
    return b.output("y", dtype).node(opType, names, List.of("y"), attrs).build();
  }

  /**
   * A small multi-node float model: {@code y = Reshape(Relu(x @ w + b), [-1, 3])} with x of shape
   * [2, 4], w [4, 3] and b [3] as initializers; y is [2, 3].
   */
  public static ModelProto mlp() {
    float[] w = new float[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 5 - 2) * 0.25f;
    }
    return builder("mlp")
        .input("x", DType.FLOAT, 2, 4)
        .output("y", DType.FLOAT, 2, 3)
        .initializer("w", Tensor.ofFloats(new int[] {4, 3}, w))
        .initializer("b", Tensor.ofFloats(new int[] {3}, new float[] {0.5f, -0.5f, 0.1f}))
        .initializer("shape", Tensor.int64Vector(-1, 3))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "b"), List.of("h"))
        .node("Relu", List.of("h"), List.of("r"))
        .node("Reshape", List.of("r", "shape"), List.of("y"))
        .build();
  }

  /** {@code y = x + c}: x float [2, 3] and c a [3] initializer. Needs only Add. */
  public static ModelProto addConstant() {
    return builder("add_constant")
        .input("x", DType.FLOAT, 2, 3)
        .output("y", DType.FLOAT, 2, 3)
        .initializer("c", Tensor.ofFloats(new int[] {3}, new float[] {1f, 2f, 3f}))
        .node("Add", List.of("x", "c"), List.of("y"))
        .build();
  }

  /** A deterministic float tensor in [-1, 1). */
  public static Tensor randomFloats(int[] shape, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[Math.toIntExact(dev.ember.executor.ir.Shapes.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return Tensor.ofFloats(shape, v);
  }

  /** Loads a built model through the real loader (so the test covers import too). */
  public static Graph graph(ModelProto m) {
    return OnnxLoader.load(m.toByteArray(), m.getGraph().getName() + ".onnx").graph();
  }

  public static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  public static AttributeProto intsAttr(String name, long... v) {
    AttributeProto.Builder b =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      b.addInts(x);
    }
    return b.build();
  }

  public static AttributeProto floatAttr(String name, float v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  public static AttributeProto tensorAttr(String name, Tensor t) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.TENSOR)
        .setT(TensorProtos.encode(t, ""))
        .build();
  }

  /** Assembles one model; nodes are named {@code <op>_<index>} unless given a name. */
  public static final class Builder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private int opset = DEFAULT_OPSET;
    private long irVersion = 8;

    private Builder(String name) {
      graph.setName(name);
    }

    public Builder opset(int version) {
      this.opset = version;
      return this;
    }

    public Builder irVersion(long v) {
      this.irVersion = v;
      return this;
    }

    /** A graph input; each dim is a number (fixed) or a String (symbolic). */
    public Builder input(String name, DType dtype, Object... dims) {
      graph.addInput(valueInfo(name, dtype.onnxCode(), dims));
      return this;
    }

    /** A graph input with a raw ONNX element-type code (for types Ember does not hold). */
    public Builder inputOfCode(String name, int elemType, Object... dims) {
      graph.addInput(valueInfo(name, elemType, dims));
      return this;
    }

    /** A graph output; with no dims its shape is left unknown. */
    public Builder output(String name, DType dtype, Object... dims) {
      graph.addOutput(valueInfo(name, dtype.onnxCode(), dims.length == 0 ? null : dims));
      return this;
    }

    public Builder initializer(String name, Tensor t) {
      graph.addInitializer(TensorProtos.encode(t, name));
      return this;
    }

    /** Adds a raw initializer proto (for malformed or unsupported initializers). */
    public Builder initializerProto(dev.ember.executor.onnx.wire.OnnxWire.TensorProto t) {
      graph.addInitializer(t);
      return this;
    }

    public Builder node(
        String opType, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
      return namedNode(opType + "_" + graph.getNodeCount(), opType, inputs, outputs, attrs);
    }

    public Builder namedNode(
        String name,
        String opType,
        List<String> inputs,
        List<String> outputs,
        AttributeProto... attrs) {
      graph.addNode(
          NodeProto.newBuilder()
              .setName(name)
              .setOpType(opType)
              .addAllInput(inputs)
              .addAllOutput(outputs)
              .addAllAttribute(Arrays.asList(attrs)));
      return this;
    }

    public ModelProto build() {
      return ModelProto.newBuilder()
          .setIrVersion(irVersion)
          .setProducerName("ember-tests")
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
          .setGraph(graph)
          .build();
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object[] dims) {
      TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(elemType);
      if (dims != null) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
          if (d instanceof Number n) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(n.longValue()));
          } else {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(d.toString()));
          }
        }
        t.setShape(s);
      }
      return ValueInfoProto.newBuilder()
          .setName(name)
          .setType(TypeProto.newBuilder().setTensorType(t))
          .build();
    }
  }
}
