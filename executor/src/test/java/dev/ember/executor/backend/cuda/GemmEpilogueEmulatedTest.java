package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GEMM epilogues on the host emulator. A dense layer with an erf GELU after its bias (MiniLM's
 * FFN) runs as GEMM launches only, and every route the tuner offers for it (whole tile, split-K
 * with its reduce) matches the interpreter. A product the graph also reads elsewhere keeps its
 * own kernel. The in-place kernel that follows cuBLAS computes the same epilogue.
 */
class GemmEpilogueEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
  }

  @Test
  void geluAfterTheBiasRunsInsideTheGemmOnEveryRoute() {
    // 40 x 24 over K 256 is one tile, so the tuner also offers split 2 and 4 (see
    // GemmTunerEmulatedTest); every route it times agreed with the fp32 reference.
    Graph g = denseGelu(false);
    CompiledVariant v = compile(g, true);
    String program = text(v, CudaBackend.PROGRAM_FILE);
    assertFalse(program.contains("  launch "), program);
    assertTrue(program.contains("+epilogue["), program);
    String routes = text(v, CudaBackend.ROUTES_FILE);
    assertTrue(routes.contains(" epilogue e"), routes);
    String timed = routes.substring(routes.indexOf("\"micros\""), routes.indexOf("\"refused\""));
    for (String route : List.of("nvrtc-fp32", "nvrtc-fp32-split2", "nvrtc-fp32-split4")) {
      assertTrue(timed.contains("\"" + route + "\": "), route + " was not timed: " + routes);
    }
    assertTrue(routes.contains("\"refused\": {}"), routes);
    assertMatchesInterpreter(g, v, "y");
  }

  @Test
  void untunedTheWholeTileAppliesTheEpilogue() {
    Graph g = denseGelu(false);
    CompiledVariant v = compile(g, false);
    assertFalse(text(v, CudaBackend.PROGRAM_FILE).contains("  launch "));
    assertMatchesInterpreter(g, v, "y");
  }

  @Test
  void aProductTheGraphAlsoReturnsKeepsItsOwnKernel() {
    Graph g = denseGelu(true);
    CompiledVariant v = compile(g, false);
    String program = text(v, CudaBackend.PROGRAM_FILE);
    assertTrue(program.contains("  launch "), program);
    assertFalse(program.contains("+epilogue["), program);
    assertMatchesInterpreter(g, v, "y");
    assertMatchesInterpreter(g, v, "h");
  }

  @Test
  void theKernelAfterCublasAppliesTheEpilogueInPlace() {
    // C is 5 x 40 inside rows of 48 floats, batch 2: the padding columns must stay untouched.
    GemmEpilogue leaky = new GemmEpilogue("  return x > 0.0f ? x : 0.125f * ember_erf(x);\n");
    GemmShape s = new GemmShape(2, 5, 40, 16, 0, 16, 1, 0, 40, 1, 5 * 48, 48, 1f, 0f, false, 0, 0)
        .withEpilogue(leaky);
    int floats = 2 * 5 * 48;
    float[] host = new float[floats];
    Random r = new Random(3);
    for (int i = 0; i < floats; i++) {
      host[i] = (float) r.nextGaussian();
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
    buf.asFloatBuffer().put(host);
    long c = driver.alloc(4L * floats);
    try {
      driver.upload(c, buf);
      String name = GemmKernels.epilogueKernel(leaky);
      byte[] image = new HostKernelCompiler().compile(GemmKernels.epilogueSource(leaky),
          driver.device().arch(), name + ".cu");
      Object kernel = driver.load(image, List.of(name)).get(name);
      GemmKernels.Geometry geo = GemmKernels.biasFillGeometry(s);
      driver.launch(kernel, geo.grid(), geo.block(), geo.sharedBytes(),
          GemmKernels.epilogueArgs(c, s));
      ByteBuffer out = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
      driver.download(out, c);
      for (int i = 0; i < floats; i++) {
        float x = host[i];
        float want = i % 48 >= 40 ? x : x > 0 ? x : 0.125f * erf(x);
        assertEquals(want, out.getFloat(4 * i), 1e-6f, "element " + i);
      }
    } finally {
      driver.free(c);
    }
  }

  private static CompiledVariant compile(Graph g, boolean tuned) {
    CudaDevice device = CudaDevice.on(driver, new HostKernelCompiler());
    CudaOptions o = CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
        .withGraphs(false).withGemmTuning(tuned);
    CudaBackend backend = new CudaBackend(device, o);
    return backend.compile(g, new VariantKey("gelu", backend.name(),
        Map.of("x", List.of(40L, 256L)), Map.of()));
  }

  private static void assertMatchesInterpreter(Graph g, CompiledVariant v, String output) {
    Map<String, Tensor> feeds = Map.of("x", TestModels.randomFloats(new int[] {40, 256}, 5));
    Tensor want = new Interpreter(g, OpRegistry.standard()).run(feeds).get(output);
    assertNull(Tolerance.mismatch(want, v.run(feeds).get(output), 1e-4, 1e-4), output);
  }

  private static String text(CompiledVariant v, String file) {
    return new String(v.artifacts().get(file), StandardCharsets.UTF_8);
  }

  /**
   * {@code y = gelu(x @ w + b)} with erf GELU as ONNX exports it: x [40, 256], w [256, 24].
   * With {@code returnProduct} the biased product h is a graph output too.
   */
  private static Graph denseGelu(boolean returnProduct) {
    TestModels.Builder b = TestModels.builder("dense-gelu")
        .input("x", DType.FLOAT, 40, 256)
        .output("y", DType.FLOAT, 40, 24);
    if (returnProduct) {
      b.output("h", DType.FLOAT, 40, 24);
    }
    return Specializer.specialize(TestModels.graph(b
        .initializer("w", TestModels.randomFloats(new int[] {256, 24}, 6))
        .initializer("b", TestModels.randomFloats(new int[] {24}, 7))
        .initializer("sqrt2", Tensor.scalarFloat(1.4142135f))
        .initializer("one", Tensor.scalarFloat(1f))
        .initializer("half", Tensor.scalarFloat(0.5f))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "b"), List.of("h"))
        .node("Div", List.of("h", "sqrt2"), List.of("d"))
        .node("Erf", List.of("d"), List.of("e"))
        .node("Add", List.of("e", "one"), List.of("e1"))
        .node("Mul", List.of("h", "e1"), List.of("he"))
        .node("Mul", List.of("he", "half"), List.of("y"))
        .build()), Map.of("x", new int[] {40, 256}));
  }

  /** erf in double (Abramowitz-Stegun 7.1.26 is too coarse; this series converges for |x| < 4). */
  private static float erf(float x) {
    double t = x;
    double sum = t;
    double term = t;
    for (int n = 1; n < 60; n++) {
      term *= -t * t / n;
      sum += term / (2 * n + 1);
    }
    return (float) (2 / Math.sqrt(Math.PI) * sum);
  }
}
