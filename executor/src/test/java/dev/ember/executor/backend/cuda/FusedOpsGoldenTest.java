package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.Lowering;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Java and CUDA C that every fused elementwise op lowers to, pinned against reviewed golden
 * files: one graph uses each {@link FusedElementwise} op in one fused loop, with the special forms
 * (Pow by a constant 2 or 3 or a tensor, Gelu's two forms, Cast from bool and int64, Where).
 * {@code -Dgolden.regenerate=true} rewrites the files.
 */
class FusedOpsGoldenTest {
  private static final Path CPU_GOLDEN = Path.of("src/test/resources/golden/cpu-janino-fused.java");
  private static final Path CUDA_GOLDEN = Path.of("src/test/resources/golden/cuda-fused.cu");

  /** Every fused op at least once, each node feeding y. */
  static ModelProto allFusedOps() {
    AttributeProto tanh = AttributeProto.newBuilder().setName("approximate")
        .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("tanh")).build();
    AttributeProto toFloat = TestModels.intAttr("to", DType.FLOAT.onnxCode());
    return TestModels.builder("fused_ops")
        .opset(20)
        .input("x", DType.FLOAT, 2, 4)
        .input("c", DType.BOOL, 2, 4)
        .input("n", DType.INT64, 4)
        .output("y", DType.FLOAT, 2, 4)
        .initializer("two", Tensor.ofFloats(new int[] {}, new float[] {2f}))
        .initializer("three", Tensor.int64Vector(3))
        .initializer("half", Tensor.ofFloats(new int[] {1}, new float[] {0.5f}))
        .node("Pow", List.of("x", "two"), List.of("p2"))
        .node("Pow", List.of("x", "three"), List.of("p3"))
        .node("Sigmoid", List.of("x"), List.of("ax"))
        .node("Pow", List.of("ax", "x"), List.of("pt"))
        .node("Gelu", List.of("x"), List.of("ge"))
        .node("Gelu", List.of("x"), List.of("gt"), tanh)
        .node("Cast", List.of("c"), List.of("cb"), toFloat)
        .node("Cast", List.of("n"), List.of("cn"), toFloat)
        .node("Where", List.of("c", "p2", "p3"), List.of("w"))
        .node("Max", List.of("w", "pt"), List.of("mx"))
        .node("Min", List.of("ge", "gt"), List.of("mn"))
        .node("Sum", List.of("mx", "mn", "cb", "cn"), List.of("s"))
        .node("Sigmoid", List.of("s"), List.of("sg"))
        .node("Tanh", List.of("sg"), List.of("th"))
        .node("Erf", List.of("th"), List.of("er"))
        .node("Exp", List.of("er"), List.of("ex"))
        .node("Log", List.of("ex"), List.of("lg"))
        .node("Relu", List.of("lg"), List.of("rl"))
        .node("Sqrt", List.of("rl"), List.of("sq"))
        .node("Neg", List.of("sq"), List.of("ng"))
        .node("Identity", List.of("ng"), List.of("id"))
        .node("Add", List.of("id", "half"), List.of("ad"))
        .node("Sub", List.of("ad", "x"), List.of("sb"))
        .node("Mul", List.of("sb", "x"), List.of("ml"))
        .node("Div", List.of("ml", "two"), List.of("y"))
        .build();
  }

  private static Graph graph() {
    return Specializer.specialize(TestModels.graph(allFusedOps()),
        Map.of("x", new int[] {2, 4}, "c", new int[] {2, 4}, "n", new int[] {4}));
  }

  @Test
  void everyFusedOpIsInTheGraph() {
    Set<String> fused = new TreeSet<>();
    OpRegistry.standard().all().stream().filter(op -> op instanceof FusedElementwise)
        .forEach(op -> fused.add(op.spec().opType()));
    Set<String> used = new TreeSet<>();
    graph().nodes().forEach(n -> used.add(n.opType()));
    assertTrue(used.containsAll(fused), "add the new fused op to this graph: " + fused);
  }

  @Test
  void cpuSourceMatchesGoldenAndTheInterpreter() throws IOException {
    Graph g = graph();
    var v = new CpuJaninoBackend().compile(g, new VariantKey("fused_ops", CpuJaninoBackend.NAME,
        Map.of(), Map.of("cpu.gemm", "java")));
    check(CPU_GOLDEN, v.source());
    Map<String, Tensor> feeds = Map.of(
        "x", TestModels.randomFloats(new int[] {2, 4}, 7),
        "c", Tensor.ofBools(new int[] {2, 4},
            new boolean[] {true, false, true, true, false, false, true, false}),
        "n", Tensor.int64Vector(-2, 0, 1, 5));
    Tensor want = new Interpreter(g, OpRegistry.standard()).run(feeds).get("y");
    assertNull(Tolerance.mismatch(want, v.run(feeds).get("y"), 1e-4, 1e-5));
  }

  @Test
  void cudaSourceMatchesGolden() throws IOException {
    check(CUDA_GOLDEN, new CudaCodegen(Lowering.lower(graph())).generate().source());
  }

  private static void check(Path golden, String source) throws IOException {
    if (Boolean.getBoolean("golden.regenerate")) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, source);
    }
    assertEquals(Files.readString(golden), source, "generated source changed; review it and "
        + "rerun with -Dgolden.regenerate=true");
  }
}
