package dev.ember.executor.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The driver's header check (issue #16) fails with the error an executor's full load would raise,
 * and passes what the executor runs.
 */
class ModelHeaderTest {
  private static final OpRegistry OPS = OpRegistry.standard();

  private static ModelHeader header(byte[] bytes, String source) {
    return ModelHeader.read(new ByteArrayInputStream(bytes), source);
  }

  /** What an executor does with the model: load it, then build the interpreter over it. */
  private static EmberException fullLoadError(byte[] bytes, String source) {
    return assertThrows(
        EmberException.class,
        () -> new Interpreter(OnnxLoader.load(bytes, source).graph(), OPS));
  }

  @Test
  void readsOpsetsAndEveryNodeOfAValidModel() {
    ModelProto m = TestModels.mlp();
    ModelHeader h = header(m.toByteArray(), "mlp.onnx");
    assertEquals(Map.of("", TestModels.DEFAULT_OPSET), h.opsets());
    assertEquals(
        List.of("MatMul", "Add", "Relu", "Reshape"),
        h.nodes().stream().map(Node::opType).toList());
    h.checkOps(OPS); // the executor runs this model, so the driver must pass it
    new Interpreter(OnnxLoader.load(m.toByteArray(), "mlp.onnx").graph(), OPS);
  }

  @Test
  void unsupportedOpFailsWithTheExecutorsMessage() {
    byte[] bytes =
        TestModels.singleOp("NoSuchOp", DType.FLOAT, new long[] {2}, 1).toByteArray();
    EmberException onDriver =
        assertThrows(EmberException.class, () -> header(bytes, "m.onnx").checkOps(OPS));
    EmberException onExecutor = fullLoadError(bytes, "m.onnx");
    assertEquals(ErrorCode.UNSUPPORTED_OP, onDriver.code(), onDriver.getMessage());
    assertEquals(onExecutor.getMessage(), onDriver.getMessage());
    assertTrue(onDriver.getMessage().contains("NoSuchOp"), onDriver.getMessage());
  }

  @Test
  void tooNewAnOpsetFailsWithTheExecutorsMessage() {
    ModelProto m = TestModels.builder("relu").opset(OpRegistry.MAX_KNOWN_OPSET + 1)
        .input("x", DType.FLOAT, 2).output("y", DType.FLOAT)
        .node("Relu", List.of("x"), List.of("y")).build();
    EmberException onDriver =
        assertThrows(EmberException.class, () -> header(m.toByteArray(), "r.onnx").checkOps(OPS));
    assertEquals(ErrorCode.UNSUPPORTED_OP, onDriver.code());
    assertEquals(fullLoadError(m.toByteArray(), "r.onnx").getMessage(), onDriver.getMessage());
  }

  @Test
  void nodesOfSubgraphsAreRead() {
    ModelProto inner = TestModels.singleOp("NoSuchOp", DType.FLOAT, new long[] {2}, 1);
    GraphProto body = inner.getGraph();
    AttributeProto thenBranch = AttributeProto.newBuilder().setName("then_branch")
        .setType(AttributeProto.AttributeType.GRAPH).setG(body).build();
    AttributeProto elseBranch = thenBranch.toBuilder().setName("else_branch").build();
    ModelProto m = TestModels.builder("if").input("c", DType.BOOL).input("x0", DType.FLOAT, 2)
        .output("out", DType.FLOAT)
        .node("If", List.of("c"), List.of("out"), thenBranch, elseBranch).build();
    ModelHeader h = header(m.toByteArray(), "if.onnx");
    assertEquals(
        List.of("If", "NoSuchOp", "NoSuchOp"), h.nodes().stream().map(Node::opType).toList());
    EmberException e = assertThrows(EmberException.class, () -> h.checkOps(OPS));
    assertEquals(fullLoadError(m.toByteArray(), "if.onnx").getMessage(), e.getMessage());
  }

  @Test
  void garbageBytesAreModelInvalidNamingTheFile() {
    byte[] garbage = new byte[4096];
    new Random(5).nextBytes(garbage);
    EmberException onDriver =
        assertThrows(EmberException.class, () -> header(garbage, "/models/bad.onnx"));
    assertEquals(ErrorCode.MODEL_INVALID, onDriver.code(), onDriver.getMessage());
    assertTrue(onDriver.getMessage().contains("'/models/bad.onnx'"), onDriver.getMessage());
    assertEquals(ErrorCode.MODEL_INVALID, fullLoadError(garbage, "/models/bad.onnx").code());
  }

  @Test
  void aModelCutInsideItsWeightsIsModelInvalid() {
    byte[] whole = TestModels.mlp().toByteArray();
    for (int cut : new int[] {whole.length / 2, whole.length - 3}) {
      byte[] truncated = Arrays.copyOf(whole, cut);
      EmberException e = assertThrows(EmberException.class, () -> header(truncated, "cut.onnx"));
      assertEquals(ErrorCode.MODEL_INVALID, e.code(), e.getMessage());
      assertEquals(ErrorCode.MODEL_INVALID, fullLoadError(truncated, "cut.onnx").code());
    }
  }

  @Test
  void emptyAndGraphlessFilesAreModelInvalidAsTheLoaderSaysIt() {
    for (byte[] bytes : List.of(new byte[0], ModelProto.newBuilder().setIrVersion(8).build()
        .toByteArray())) {
      EmberException onDriver =
          assertThrows(EmberException.class, () -> header(bytes, "e.onnx"));
      assertEquals(fullLoadError(bytes, "e.onnx").getMessage(), onDriver.getMessage());
    }
  }
}
