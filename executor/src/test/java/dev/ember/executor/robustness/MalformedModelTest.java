package dev.ember.executor.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorProtos;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad model or bad input ends in its own error code with an actionable message. */
class MalformedModelTest {
  @TempDir Path tmp;

  private static EmberException expect(ErrorCode code, Executable e, String... mentions) {
    EmberException ex = assertThrows(EmberException.class, e);
    assertEquals(code, ex.code(), ex.getMessage());
    for (String m : mentions) {
      assertTrue(ex.getMessage().contains(m), "'" + m + "' not in: " + ex.getMessage());
    }
    assertTrue(ex.getMessage().contains("Fix: "), ex.getMessage());
    return ex;
  }

  private static Graph addGraph() {
    return TestModels.graph(TestModels.addConstant());
  }

  @Test
  void emptyFile() throws IOException {
    Path p = Files.write(tmp.resolve("empty.onnx"), new byte[0]);
    expect(ErrorCode.MODEL_INVALID, () -> OnnxLoader.load(p), "empty.onnx", "empty");
  }

  @Test
  void textFile() throws IOException {
    Path p =
        Files.writeString(
            tmp.resolve("notes.onnx"),
            "This is a README, not a model.\nIt has two lines.\n",
            StandardCharsets.UTF_8);
    expect(ErrorCode.MODEL_INVALID, () -> OnnxLoader.load(p), "notes.onnx");
  }

  @Test
  void unknownOpNamesTheNodeAndOp() {
    Graph g =
        TestModels.graph(
            TestModels.builder("frob")
                .input("x", DType.FLOAT, 2)
                .output("y", DType.FLOAT)
                .namedNode("frobnicate_1", "Frobnicate", List.of("x"), List.of("y"))
                .build());
    expect(
        ErrorCode.UNSUPPORTED_OP,
        () -> new Interpreter(g, OpRegistry.standard()),
        "'frobnicate_1'",
        "Frobnicate");
  }

  @Test
  void float8InputIsAnUnsupportedDtype() {
    byte[] m =
        TestModels.builder("f8")
            .inputOfCode("x", 17, 2)
            .output("y", DType.FLOAT)
            .node("Add", List.of("x", "x"), List.of("y"))
            .build()
            .toByteArray();
    expect(ErrorCode.UNSUPPORTED_DTYPE, () -> OnnxLoader.load(m, "f8.onnx"), "'x'", "FLOAT8E4M3FN");
  }

  @Test
  void externalDataIsUnsupported() {
    TensorProto external =
        TensorProto.newBuilder()
            .setName("w")
            .setDataType(DType.FLOAT.onnxCode())
            .addDims(3)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
            .build();
    byte[] m =
        TestModels.builder("ext")
            .input("x", DType.FLOAT, 3)
            .output("y", DType.FLOAT)
            .initializerProto(external)
            .node("Add", List.of("x", "w"), List.of("y"))
            .build()
            .toByteArray();
    expect(ErrorCode.MODEL_UNSUPPORTED, () -> OnnxLoader.load(m, "ext.onnx"), "'w'", "external");
  }

  @Test
  void contradictoryInputShapeNamesInputAndBothShapes() {
    Interpreter interp = new Interpreter(addGraph(), OpRegistry.standard());
    Tensor wrong = TestModels.randomFloats(new int[] {3, 2}, 1);
    expect(
        ErrorCode.BAD_INPUT, () -> interp.run(Map.of("x", wrong)), "'x'", "float[2, 3]", "[3, 2]");
  }

  @Test
  void wrongInputTypeNamesBothTypes() {
    Interpreter interp = new Interpreter(addGraph(), OpRegistry.standard());
    Tensor ints = Tensor.ofLongs(DType.INT64, new int[] {2, 3}, new long[6]);
    expect(ErrorCode.BAD_INPUT, () -> interp.run(Map.of("x", ints)), "'x'", "float", "int64");
  }

  @Test
  void missingInputListsTheGraphInputs() {
    Interpreter interp = new Interpreter(addGraph(), OpRegistry.standard());
    expect(ErrorCode.BAD_INPUT, () -> interp.run(Map.of()), "'x'", "x float[2, 3]");
  }

  @Test
  void unknownInputNameListsTheGraphInputs() {
    Interpreter interp = new Interpreter(addGraph(), OpRegistry.standard());
    Tensor x = TestModels.randomFloats(new int[] {2, 3}, 1);
    expect(
        ErrorCode.BAD_INPUT,
        () -> interp.run(Map.of("x", x, "extra", x)),
        "'extra'",
        "x float[2, 3]");
  }

  @Test
  void deeplyNestedSubgraphsFailCleanlyOrLoad() {
    // Each level is an If node whose then_branch graph holds the next level. Built as bytes:
    // protobuf's own serializer recurses and would overflow the test's stack first.
    for (int depth : new int[] {50, 330, 5000}) {
      ByteString graph = ByteString.EMPTY;
      for (int i = 0; i < depth; i++) {
        ByteString attr =
            AttributeProto.newBuilder()
                .setName("then_branch")
                .setType(AttributeProto.AttributeType.GRAPH)
                .build()
                .toByteString()
                .concat(field(6, graph));
        ByteString node =
            NodeProto.newBuilder()
                .setOpType("If")
                .setName("if_" + i)
                .addInput("c")
                .addOutput("o_" + i)
                .build()
                .toByteString()
                .concat(field(5, attr));
        graph = field(1, node);
      }
      byte[] bytes =
          TestModels.addConstant()
              .toByteString()
              .concat(field(7, graph)) // a second 'graph' field merges into the first
              .toByteArray();
      // On a small thread stack, like a pool thread's, not only on the roomy main thread.
      Throwable[] failure = new Throwable[1];
      Thread t =
          new Thread(
              null,
              () -> {
                try {
                  Graph g = OnnxLoader.load(bytes, "nested.onnx").graph();
                  assertTrue(
                      depth < 1000, "loaded " + g.nodes().size() + " nodes at depth " + depth);
                } catch (EmberException e) {
                  assertTrue(e.getMessage().contains("nested.onnx"), e.getMessage());
                } catch (Throwable e) {
                  failure[0] = e;
                }
              },
              "nested-loader",
              256 * 1024);
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      assertNull(failure[0], "depth " + depth + ": " + failure[0]);
    }
  }

  /** A length-delimited protobuf field: tag, length, payload. */
  private static ByteString field(int number, ByteString payload) {
    ByteString.Output out = ByteString.newOutput();
    try {
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeUInt32NoTag(number << 3 | 2);
      c.writeUInt32NoTag(payload.size());
      c.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteString().concat(payload);
  }

  @Test
  void initializerWhoseDataDisagreesWithItsDims() {
    TensorProto shortRaw =
        TensorProtos.encode(Tensor.ofFloats(new int[] {2}, new float[2]), "c").toBuilder()
            .clearDims()
            .addDims(3)
            .build();
    byte[] m =
        TestModels.builder("short")
            .input("x", DType.FLOAT, 3)
            .output("y", DType.FLOAT)
            .initializerProto(shortRaw)
            .node("Add", List.of("x", "c"), List.of("y"))
            .build()
            .toByteArray();
    expect(ErrorCode.MODEL_INVALID, () -> OnnxLoader.load(m, "short.onnx"), "'c'", "8 bytes");
  }
}
