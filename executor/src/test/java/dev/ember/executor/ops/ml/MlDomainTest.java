package dev.ember.executor.ops.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.TypeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ValueInfoProto;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ai.onnx.ml ops are looked up by domain, apart from default-domain names, and ZipMap (a
 * sequence-of-maps output) is refused with UNSUPPORTED_OP that says what to do.
 */
class MlDomainTest {
  @Test
  void mlNamesDoNotCollideWithTheDefaultDomain() {
    OpRegistry r = OpRegistry.standard();
    assertTrue(r.supports("ai.onnx.ml", "Scaler"));
    assertTrue(!r.supports("", "Scaler"));
    assertTrue(!r.supports("ai.onnx.ml", "Add"));
    EmberException e = assertThrows(EmberException.class, () -> r.lookup(
        new Node("s", "Scaler", "", 13, List.of("X"), List.of("Y"), Attributes.empty())));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
  }

  @Test
  void newerMlOpsetsAreRefused() {
    EmberException e = assertThrows(EmberException.class, () -> OpRegistry.standard().lookup(
        new Node("s", "Scaler", "ai.onnx.ml", 6, List.of("X"), List.of("Y"),
            Attributes.empty())));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
    assertTrue(e.getMessage().contains("ai.onnx.ml opset 6"), e.getMessage());
  }

  @Test
  void zipMapOutputIsRefusedWithAdvice() {
    TypeProto floats = TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(1)).build();
    TypeProto seqOfMaps = TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
        .setElemType(TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder()
            .setKeyType(7).setValueType(floats)))).build();
    ModelProto m = ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1))
        .setGraph(GraphProto.newBuilder().setName("g")
            .addNode(NodeProto.newBuilder().setName("zip").setOpType("ZipMap")
                .setDomain("ai.onnx.ml").addInput("probabilities").addOutput("output_probability"))
            .addInput(ValueInfoProto.newBuilder().setName("probabilities").setType(floats))
            .addOutput(ValueInfoProto.newBuilder().setName("output_probability")
                .setType(seqOfMaps)))
        .build();
    EmberException e = assertThrows(EmberException.class,
        () -> OnnxLoader.load(m.toByteArray(), "zipmap.onnx"));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
    assertTrue(e.getMessage().contains("'zip' (ai.onnx.ml::ZipMap, opset 1)"), e.getMessage());
    assertTrue(e.getMessage().contains("sequence of maps"), e.getMessage());
    assertTrue(e.getMessage().contains("'zipmap': False"), e.getMessage());
    // inside a graph (its output consumed as if it were a tensor) the registry says the same
    EmberException inside = assertThrows(EmberException.class, () -> OpRegistry.standard()
        .lookup(new Node("zip", "ZipMap", "ai.onnx.ml", 1, List.of("p"), List.of("z"),
            Attributes.empty())));
    assertEquals(ErrorCode.UNSUPPORTED_OP, inside.code());
    assertTrue(inside.getMessage().contains("'zipmap': False"), inside.getMessage());
  }
}
