package dev.ember.executor.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorProtos;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
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
