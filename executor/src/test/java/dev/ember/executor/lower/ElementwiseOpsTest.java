package dev.ember.executor.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which nodes go into a fused loop, and the reason given for those that do not: the loop's own
 * checks plus what each op's {@link dev.ember.executor.ops.FusedElementwise} says (arity, operand
 * types, attributes).
 */
class ElementwiseOpsTest {
  private static final Graph G = Specializer.specialize(TestModels.graph(TestModels.builder("ew")
      .opset(20)
      .input("x", DType.FLOAT, 2, 3)
      .input("e", DType.INT64, 2, 3)
      .input("s", DType.STRING, 2, 3)
      .input("c", DType.BOOL, 2, 3)
      .input("i", DType.INT32, 2, 3)
      .output("powTensorInt", DType.FLOAT, 2, 3)
      .output("powConstInt", DType.FLOAT, 2, 3)
      .output("castString", DType.FLOAT, 2, 3)
      .output("castBool", DType.FLOAT, 2, 3)
      .output("max3", DType.FLOAT, 2, 3)
      .output("sum3", DType.FLOAT, 2, 3)
      .output("where", DType.FLOAT, 2, 3)
      .output("geluTanh", DType.FLOAT, 2, 3)
      .output("clip", DType.FLOAT, 2, 3)
      .output("addInt", DType.INT32, 2, 3)
      .initializer("three", Tensor.int64Vector(3))
      .node("Pow", List.of("x", "e"), List.of("powTensorInt"))
      .node("Pow", List.of("x", "three"), List.of("powConstInt"))
      .node("Cast", List.of("s"), List.of("castString"), TestModels.intAttr("to", 1))
      .node("Cast", List.of("c"), List.of("castBool"), TestModels.intAttr("to", 1))
      .node("Max", List.of("x", "x", "x"), List.of("max3"))
      .node("Sum", List.of("x", "x", "x"), List.of("sum3"))
      .node("Where", List.of("c", "x", "x"), List.of("where"))
      .node("Gelu", List.of("x"), List.of("geluTanh"), AttributeProto.newBuilder()
          .setName("approximate").setType(AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFromUtf8("tanh")).build())
      .node("Clip", List.of("x"), List.of("clip"))
      .node("Add", List.of("i", "i"), List.of("addInt"))
      .build()), Map.of());

  private static String whyNot(String output) {
    Node n = G.nodes().stream().filter(x -> x.outputs().get(0).equals(output)).findFirst()
        .orElseThrow();
    return ElementwiseOps.whyNot(G, n);
  }

  @Test
  void fusableNodes() {
    for (String out : List.of("powConstInt", "castBool", "sum3", "where", "geluTanh")) {
      assertNull(whyNot(out), out);
    }
  }

  @Test
  void reasonsForTheOthers() {
    assertEquals("Pow input 'e' of type int64 is not supported in a fused loop",
        whyNot("powTensorInt"));
    assertEquals("Cast input 's' of type string is not supported in a fused loop",
        whyNot("castString"));
    assertEquals("Max with 3 inputs", whyNot("max3"));
    assertEquals("Clip has no generated kernel", whyNot("clip"));
    assertEquals("output type int32[2, 3] is not float (fused loops compute in float)",
        whyNot("addInt"));
  }
}
