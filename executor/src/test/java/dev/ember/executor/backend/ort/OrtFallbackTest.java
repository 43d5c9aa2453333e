package dev.ember.executor.backend.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.BackendChoice;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.explain.ModelExplain;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.testing.ReduceSumSquareModel;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spark.ember.backend on a model with an op Ember lacks (ReduceSumSquare, from an ONNX node test):
 * {@code auto} runs it on ONNX Runtime through the compile wrapper (level 3 padding, the compile
 * cache), {@code ember} refuses it naming the op, and a JVM without ONNX Runtime gets an error
 * naming the jar.
 */
class OrtFallbackTest {
  @TempDir Path dir;

  static final byte[] BYTES = ReduceSumSquareModel.bytes();
  static final Graph GRAPH = OnnxLoader.load(BYTES, "reduce_sum_square.onnx").graph();

  static CompileWrapper.Builder level3(BackendPolicy policy) {
    return CompileWrapper.builder(CompileOptions.level(3).withCaptureSizes(List.of(1, 2, 4)))
        .backend(new CpuJaninoBackend())
        .backendPolicy(policy);
  }

  @Test
  void autoRunsTheModelOnOrtWithPaddingAndGivesTheNodeTestsOutputs() throws Exception {
    CompileWrapper w = level3(BackendPolicy.AUTO)
        .store(new CachedVariantStore(CompileCache.open(dir), null, "level=3", "cpu"))
        .build(GRAPH, BYTES);
    Tensor got = w.call(Map.of("data", ReduceSumSquareModel.input())).get("reduced");

    assertEquals(OrtBackend.NAME, w.backendName());
    assertNull(Tolerance.mismatch(ReduceSumSquareModel.expected(), got));
    assertArrayEquals(plainOrt(ReduceSumSquareModel.input()), got.rawFloats(),
        "the wrapper's padded run must equal ONNX Runtime on the unpadded rows");
    WrapperStats s = w.stats();
    assertEquals(3, s.realRows());
    assertEquals(4, s.paddedRows(), "3 rows run on the captured batch size 4");

    BackendChoice c = w.backendChoice().orElseThrow();
    assertTrue(c.onOrt());
    assertEquals(Set.of(ReduceSumSquareModel.OP), c.missingOps().keySet());
    String line = c.fallbackLine(GRAPH.name());
    assertTrue(line.contains("ReduceSumSquare at node 'ReduceSumSquare_0'")
        && line.contains("spark.ember.backend=auto"), line);
  }

  @Test
  void theCacheHoldsOrtsOptimisedModelOnceAndAWarmStartLoadsEveryVariant() {
    Tensor three = ReduceSumSquareModel.input();
    Tensor one = Tensor.ofFloats(new int[] {1, 2, 2},
        java.util.Arrays.copyOf(three.rawFloats(), 4));
    CompileWrapper cold = level3(BackendPolicy.AUTO)
        .store(new CachedVariantStore(CompileCache.open(dir), null, "level=3", "cpu"))
        .build(GRAPH, BYTES);
    float[] coldThree = cold.call(Map.of("data", three)).get("reduced").rawFloats();
    float[] coldOne = cold.call(Map.of("data", one)).get("reduced").rawFloats();
    assertEquals(2, cold.variants().size(), "batch sizes 4 and 1");

    List<Path> models = findAll(dir, OrtBackend.OPTIMIZED_MODEL);
    assertEquals(1, models.size(), "one copy of ORT's optimised model: " + models);
    assertEquals(1, findAll(dir, OrtBackend.OPTIMIZED_DIGEST).size());
    assertTrue(OnnxLoader.load(models.get(0)).graph().nodes().stream()
        .anyMatch(n -> n.opType().equals(ReduceSumSquareModel.OP)), "ORT's model holds the op");
    for (Path code : findAll(dir, "transformed_code.java")) {
      String text = read(code);
      assertTrue(text.contains("ONNX Runtime's optimised model")
          && text.contains("ReduceSumSquare"), text);
    }

    CompileCache warmCache = CompileCache.open(dir);
    CompileWrapper warm = level3(BackendPolicy.AUTO)
        .store(new CachedVariantStore(warmCache, null, "level=3", "cpu"))
        .build(GRAPH, BYTES);
    // The digest-only variant first: the session must still open (from the model itself).
    assertArrayEquals(coldOne, warm.call(Map.of("data", one)).get("reduced").rawFloats());
    assertArrayEquals(coldThree, warm.call(Map.of("data", three)).get("reduced").rawFloats());
    assertEquals(2, warmCache.stats().hits(), "the warm start loads both variants from the cache");
  }

  @Test
  void emberRefusesTheModelNamingTheOpAndTheFix() {
    EmberException e = assertThrows(EmberException.class,
        () -> level3(BackendPolicy.EMBER).build(GRAPH, BYTES));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
    assertTrue(e.getMessage().contains("ReduceSumSquare at node 'ReduceSumSquare_0'"),
        e.getMessage());
    assertTrue(e.getMessage().contains("spark.ember.backend=auto")
        && e.getMessage().contains(BackendPolicy.ORT_COORDINATES), e.getMessage());
  }

  @Test
  void autoKeepsEmberForAModelItImplements() {
    Graph mlp = TestModels.graph(TestModels.mlp());
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend()).backendPolicy(BackendPolicy.AUTO)
        .build(mlp, TestModels.mlp().toByteArray());
    assertEquals("cpu-janino", w.backendName());
    assertFalse(w.backendChoice().orElseThrow().onOrt());
    assertEquals("", w.backendChoice().orElseThrow().fallbackLine(mlp.name()));
  }

  @Test
  void withoutTheOrtJarTheErrorNamesItsCoordinates() throws Exception {
    try (URLClassLoader noOrt =
        new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
      assertFalse(OrtBackends.available(noOrt));
      assertTrue(OrtBackends.available(OrtFallbackTest.class.getClassLoader()));
      EmberException e = assertThrows(EmberException.class,
          () -> OrtBackends.create(BYTES, "reduce_sum_square.onnx", "Ember lacks ReduceSumSquare",
              noOrt));
      assertEquals(ErrorCode.DEPENDENCY_MISSING, e.code());
      assertTrue(e.getMessage().contains(BackendPolicy.ORT_COORDINATES)
          && e.getMessage().contains("Ember lacks ReduceSumSquare"), e.getMessage());
    }
  }

  @Test
  void explainSaysOrtRunsTheModelAndWhy() {
    CompileWrapper w = level3(BackendPolicy.AUTO).planOnly().build(GRAPH, BYTES);
    String text = ModelExplain.of("reduce_sum_square.onnx", w, null, "cpu");
    assertTrue(text.contains("engine: ONNX Runtime (Ember lacks ReduceSumSquare)"), text);
    assertTrue(text.contains("ReduceSumSquare at node 'ReduceSumSquare_0'"), text);
    assertTrue(text.contains("no: Ember lacks it"), text);
  }

  @Test
  void theSupportedOpsPageNamesTheFallbacksJar() {
    assertTrue(dev.ember.executor.ops.doc.SupportedOpsDoc.render(
        dev.ember.executor.ops.OpRegistry.standard()).contains(BackendPolicy.ORT_COORDINATES));
  }

  /** Ember's CPU backend, except that it refuses Softmax as CUDA's code generator refuses ops. */
  static final class RefusesSoftmax implements Backend {
    private final CpuJaninoBackend cpu = new CpuJaninoBackend();

    @Override
    public String name() {
      return "refuses-softmax";
    }

    @Override
    public CompiledVariant compile(Graph graph, VariantKey key) {
      if (graph.opHistogram().containsKey("Softmax")) {
        throw Errors.of(ErrorCode.UNSUPPORTED_OP, "node 'Softmax_1' (Softmax, opset 17): this"
            + " backend has no Softmax kernel", "use another backend");
      }
      return cpu.compile(graph, key);
    }

    @Override
    public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
      return cpu.load(graph, key, artifacts);
    }
  }

  @Test
  void autoRunsAVariantTheBackendRefusesOnOrt() throws Exception {
    byte[] bytes = TestModels.builder("softmax_classifier")
        .input("x", DType.FLOAT, "batch", 3)
        .output("p", DType.FLOAT, "batch", 4)
        .initializer("w", TestModels.randomFloats(new int[] {3, 4}, 3))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Softmax", List.of("xw"), List.of("p"), TestModels.intAttr("axis", -1))
        .build().toByteArray();
    Graph g = OnnxLoader.load(bytes, "softmax_classifier.onnx").graph();
    Tensor x = TestModels.randomFloats(new int[] {3, 3}, 11);
    CompileWrapper.Builder b = CompileWrapper.builder(
        CompileOptions.level(3).withCaptureSizes(List.of(1, 4))).backend(new RefusesSoftmax());

    EmberException refused = assertThrows(EmberException.class,
        () -> b.backendPolicy(BackendPolicy.EMBER).build(g, bytes).call(Map.of("x", x)));
    assertEquals(ErrorCode.UNSUPPORTED_OP, refused.code());

    CompileWrapper w = b.backendPolicy(BackendPolicy.AUTO).build(g, bytes);
    assertEquals("refuses-softmax", w.backendName(), "Ember implements every op of the model");
    Tensor got = w.call(Map.of("x", x)).get("p");
    assertEquals(OrtBackend.NAME, w.variants().get(0).key().backend());
    assertArrayEquals(plainOrt(bytes, "x", x), got.rawFloats());
  }

  /** ONNX Runtime on its own, the reference. */
  private static float[] plainOrt(Tensor data) throws Exception {
    return plainOrt(BYTES, "data", data);
  }

  private static float[] plainOrt(byte[] model, String input, Tensor data) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = java.util.Arrays.stream(data.shape()).asLongStream().toArray();
    try (OrtSession s = env.createSession(model);
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data.rawFloats()), shape);
        OrtSession.Result r = s.run(Map.of(input, x))) {
      FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    }
  }

  private static List<Path> findAll(Path root, String name) {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals(name)).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
