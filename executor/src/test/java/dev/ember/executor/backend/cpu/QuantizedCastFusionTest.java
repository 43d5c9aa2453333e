package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.quant.MatMulIntegerToFloatOp;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dynamically quantized linear layer (DynamicQuantizeLinear, MatMulInteger, Cast, Mul) gets
 * one MatMulIntegerToFloat where its product is read only by the Cast, and keeps MatMulInteger
 * where the int32 product is read elsewhere too; compiled, both give the interpreter's values bit
 * for bit on the unfused graph.
 */
class QuantizedCastFusionTest {
  private static final Attributes TO_FLOAT =
      Attributes.of(Map.of("to", new AttrValue.IntAttr(DType.FLOAT.onnxCode())));

  private static Graph layer() {
    Random r = new Random(5);
    long[] w = new long[48 * 8];
    long[] w2 = new long[48 * 8];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextInt(256) - 128;
      w2[i] = r.nextInt(256) - 128;
    }
    long[] wz = new long[8];
    for (int j = 0; j < wz.length; j++) {
      wz[j] = r.nextInt(9) - 4;
    }
    List<Node> nodes = List.of(
        new Node("q", "DynamicQuantizeLinear", "", 11, List.of("x"), List.of("xq", "xs", "xz"),
            Attributes.empty()),
        new Node("mm", "MatMulInteger", "", 10, List.of("xq", "w", "xz", "wz"), List.of("p"),
            Attributes.empty()),
        new Node("cast", "Cast", "", 13, List.of("p"), List.of("pf"), TO_FLOAT),
        new Node("scale", "Mul", "", 14, List.of("pf", "xs"), List.of("y"), Attributes.empty()),
        new Node("mm2", "MatMulInteger", "", 10, List.of("xq", "w2", "xz"), List.of("p2"),
            Attributes.empty()),
        new Node("cast2", "Cast", "", 13, List.of("p2"), List.of("p2f"), TO_FLOAT));
    Shape x = Shape.of(3, 5, 48);
    return new Graph("qlinear", nodes, List.of(new ValueInfo("x", new TensorType(DType.FLOAT, x))),
        List.of(new ValueInfo("y", new TensorType(DType.FLOAT, Shape.of(3, 5, 8))),
            new ValueInfo("p2", new TensorType(DType.INT32, Shape.of(3, 5, 8))),
            new ValueInfo("p2f", new TensorType(DType.FLOAT, Shape.of(3, 5, 8)))),
        Map.of("w", Tensor.ofLongs(DType.INT8, new int[] {48, 8}, w),
            "w2", Tensor.ofLongs(DType.INT8, new int[] {48, 8}, w2),
            "wz", Tensor.ofLongs(DType.INT8, new int[] {8}, wz)),
        Map.of(), Map.of("", 17));
  }

  @Test
  void fusesTheProductThatOnlyTheCastReads() {
    Graph fused = QuantizedCastFusion.apply(layer());
    List<String> ops = fused.nodes().stream().map(Node::opType).toList();
    assertEquals(List.of("DynamicQuantizeLinear", MatMulIntegerToFloatOp.TYPE, "Mul",
        "MatMulInteger", "Cast"), ops);
    Node f = fused.nodes().get(1);
    assertEquals(List.of("xq", "w", "xz", "wz"), f.inputs());
    assertEquals(List.of("pf"), f.outputs());
    Graph plain = new Graph("plain", List.of(new Node("c", "Cast", "", 13, List.of("x"),
        List.of("y"), TO_FLOAT)), layer().inputs(), layer().outputs(), Map.of(), Map.of(),
        Map.of("", 17));
    assertSame(plain, QuantizedCastFusion.apply(plain));
  }

  @Test
  void compiledLayerGivesTheInterpretersValuesBitForBit() {
    Graph g = layer();
    Tensor x = TestModels.randomFloats(new int[] {3, 5, 48}, 9);
    Map<String, Tensor> want = new Interpreter(g, OpRegistry.standard()).run(Map.of("x", x));
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend())
        .build(g);
    Map<String, Tensor> got = w.call(Map.of("x", x));
    assertArrayEquals(want.get("y").rawFloats(), got.get("y").rawFloats());
    assertArrayEquals(want.get("p2f").rawFloats(), got.get("p2f").rawFloats());
    assertArrayEquals(want.get("p2").rawLongs(), got.get("p2").rawLongs());
  }
}
