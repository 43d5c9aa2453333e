package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measured GEMM routes on the host emulator: split-K routes agree with the whole product and
 * with a product computed here in double; the tuner times every route that agrees, refuses one
 * that strays or throws (naming why), fails with KERNEL_FAILED when none agrees, keeps a shape's
 * choice for later variants, and a variant records its routes in its cache entry, which a warm
 * load takes without measuring. The emulator's times mean nothing, so no test depends on which
 * agreeing route wins.
 */
class GemmTunerEmulatedTest {
  /** 40 x 24 outputs over K 256: one 64x64 tile, so split 2 and 4 are offered (8: slices of 32). */
  private static final GemmShape THIN = new GemmShape(1, 40, 24, 256, 0, 256, 1, 0, 1, 256,
      0, 32, 0.5f, 2f, true, 0, 1);

  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;
  private static CudaDevice device;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
    device = GPU.device();
  }

  /**
   * What fp32 offers {@link #THIN}: the reference SIMT kernel and each register-blocked tile,
   * whole and cut into 2 and 4 K slices.
   */
  private static final List<String> THIN_ROUTES = thinRoutes();

  private static List<String> thinRoutes() {
    List<String> whole = new ArrayList<>(List.of("nvrtc-fp32"));
    for (SimtTile t : SimtTile.values()) {
      whole.add("nvrtc-fp32-" + t.suffix());
    }
    List<String> all = new ArrayList<>(whole);
    for (int splits : new int[] {2, 4}) {
      whole.forEach(r -> all.add(r + "-split" + splits));
    }
    return all;
  }

  private static GeneratedGemm fp32() {
    return new GeneratedGemm(driver, new HostKernelCompiler(), GemmPrecision.FP32);
  }

  @Test
  void thinShapesAreOfferedSplitRoutesAndWideOnesAreNot() {
    try (GeneratedGemm g = fp32()) {
      assertEquals(THIN_ROUTES, g.routes(THIN).stream().map(GemmRoute::name).toList());
      // 16 x 16 tiles of 64: enough blocks without a split (the 3xTF32 tiles are not splits).
      List<String> wide = g.routes(GemmShape.rowMajor(1, 1024, 1024, 256)).stream()
          .map(GemmRoute::name).toList();
      assertEquals("nvrtc-fp32", wide.get(0));
      assertTrue(wide.stream().noneMatch(n -> n.contains("split")), wide.toString());
    }
    assertTrue(SplitK.whyNot(GemmShape.rowMajor(2, 40, 24, 256), 2).contains("batched"));
    assertTrue(SplitK.whyNot(GemmShape.rowMajor(1, 40, 24, 200), 2).contains("multiple of 16"));
    assertTrue(SplitK.whyNot(THIN, 8).contains("shorter than 64"));
  }

  @Test
  void splitRoutesAgreeWithTheWholeProductAndWithDoubleArithmetic() {
    Operands o = Operands.of(THIN);
    try (GeneratedGemm g = fp32()) {
      List<GemmRoute> routes = g.routes(THIN);
      float[] expected = o.hostProduct(THIN);
      for (GemmRoute r : routes) {
        driver.zero(o.c, o.cBytes);
        r.enqueue(o.a, o.b, o.c, o.bias);
        float[] got = o.outputs(THIN);
        double err = GemmOperands.relError(expected, got);
        assertTrue(err <= 1e-5, r.name() + ": relative error " + err);
        r.release();
      }
    } finally {
      o.free();
    }
  }

  @Test
  void tunerTimesEveryAgreeingRouteAndKeepsTheChoicePerShape() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    try (GeneratedGemm g = fp32()) {
      GemmTuner tuner = fresh.exclusive(fresh::tuner);
      GemmTuner.Choice c = fresh.exclusive(() -> tuner.choose(g.routes(THIN), null));
      assertEquals(THIN_ROUTES, new ArrayList<>(c.micros().keySet()));
      assertTrue(c.refused().isEmpty(), c.refused().toString());
      assertTrue(c.micros().values().stream().allMatch(us -> us > 0));
      assertEquals(1, tuner.measured());

      GemmTuner.Choice again = fresh.exclusive(() -> tuner.choose(g.routes(THIN), null));
      assertSame(c.route(), again.route(), "a shape chosen once keeps its route");
      assertEquals(1, tuner.measured());
    }
  }

  /**
   * At fp16 the tuner gives each route that reads B in 16 bits (A too, on 16-bit rows, "-hab")
   * the 16-bit copy of its seeded B, so those routes agree and are timed beside the float32 ones
   * (given float32 B they would be refused for their error).
   */
  @Test
  void routesThatReadBInHalvesAreGivenItsCopy() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    try (GeneratedGemm g = new GeneratedGemm(driver, new HostKernelCompiler(),
        GemmPrecision.FP16)) {
      List<GemmRoute> routes = g.routes(THIN);
      List<String> halfB = routes.stream().filter(GemmRoute::readsHalfB).map(GemmRoute::name)
          .toList();
      long pipelined = java.util.Arrays.stream(MmaTile.values()).filter(t -> t.stages() > 0)
          .count();
      assertEquals(MmaTile.values().length + pipelined, halfB.size(),
          "one per tile, and A in 16-bit rows too on each pipelined tile: " + halfB);
      GemmTuner.Choice c = fresh.exclusive(() -> fresh.tuner().choose(routes, null));
      assertTrue(c.refused().isEmpty(), c.refused().toString());
      assertTrue(c.micros().keySet().containsAll(halfB), c.micros().toString());
    }
  }

  @Test
  void aRouteThatStraysOrThrowsIsRefusedWithItsReason() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    try (GeneratedGemm g = fp32()) {
      List<GemmRoute> routes = new ArrayList<>(g.routes(THIN));
      routes.add(shortK(g));
      routes.add(throwing());
      GemmTuner.Choice c = fresh.exclusive(() -> fresh.tuner().choose(routes, null));
      assertTrue(c.refused().get("short-k").startsWith("relative error"), c.refused().toString());
      assertEquals("no kernel here", c.refused().get("throws"));
      assertTrue(c.route().name().startsWith("nvrtc-fp32"), c.route().name());
      assertEquals(THIN_ROUTES.size(), c.micros().size(), c.micros().toString());
    }
  }

  @Test
  void noAgreeingRouteIsAKernelFailure() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    try (GeneratedGemm g = fp32()) {
      List<GemmRoute> routes = List.of(shortK(g), throwing());
      EmberException e = assertThrows(EmberException.class,
          () -> fresh.exclusive(() -> fresh.tuner().choose(routes, null)));
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("short-k"), e.getMessage());
    }
  }

  @Test
  void variantRecordsItsRoutesAndAWarmLoadTakesTheSavedOne() {
    Graph graph = dense();
    Map<String, Tensor> feeds = Map.of("x", TestModels.randomFloats(new int[] {40, 256}, 5));
    Map<String, Tensor> want = new Interpreter(graph, OpRegistry.standard()).run(feeds);

    CudaDevice cold = CudaDevice.on(driver, new HostKernelCompiler());
    CudaBackend backend = new CudaBackend(cold, fp32Options());
    VariantKey key = new VariantKey("dense", backend.name(), Map.of("x", List.of(40L, 256L)),
        Map.of());
    CompiledVariant v = backend.compile(graph, key);
    assertNull(Tolerance.mismatch(want.get("y"), v.run(feeds).get("y"), 1e-4, 1e-4), "cold");
    String record = new String(v.artifacts().get(CudaBackend.ROUTES_FILE), StandardCharsets.UTF_8);
    Map<String, String> saved = GemmRoutes.parse(v.artifacts().get(CudaBackend.ROUTES_FILE));
    assertEquals(1, saved.size(), record);
    String shape = saved.keySet().iterator().next();
    assertTrue(shape.startsWith("1x40x24x256 "), shape);
    assertTrue(record.contains("\"micros\": {\"nvrtc-fp32\": "), record);
    assertEquals(1, cold.exclusive(() -> cold.tuner().measured()));
    assertTrue(new String(v.artifacts().get(CudaBackend.PROGRAM_FILE), StandardCharsets.UTF_8)
        .contains(" -> " + saved.get(shape)));

    // A warm start on another device object: the saved route (edited to split4) is taken as is.
    Map<String, ByteBuffer> files = new LinkedHashMap<>();
    for (String name : v.artifacts().names()) {
      files.put(name, v.artifacts().buffer(name));
    }
    String edited = record.replace("\"route\": \"" + saved.get(shape) + "\"",
        "\"route\": \"nvrtc-fp32-split4\"");
    files.put(CudaBackend.ROUTES_FILE, ByteBuffer.wrap(edited.getBytes(StandardCharsets.UTF_8)));
    CudaDevice warm = CudaDevice.on(driver, new HostKernelCompiler());
    CudaVariant loaded = (CudaVariant) new CudaBackend(warm, fp32Options())
        .load(graph, key, VariantArtifacts.views(files));
    assertEquals(0, warm.exclusive(() -> warm.tuner().measured()));
    assertEquals(Map.of(shape, "nvrtc-fp32-split4"), loaded.gemmRoutes().names());
    assertNull(Tolerance.mismatch(want.get("y"), loaded.run(feeds).get("y"), 1e-4, 1e-4),
        "warm, split4");

    // A saved route this device does not offer is measured again.
    files.put(CudaBackend.ROUTES_FILE, ByteBuffer.wrap(record.replace("\"route\": \""
        + saved.get(shape) + "\"", "\"route\": \"cublas-fp32\"").getBytes(StandardCharsets.UTF_8)));
    CudaDevice other = CudaDevice.on(driver, new HostKernelCompiler());
    new CudaBackend(other, fp32Options()).load(graph, key, VariantArtifacts.views(files));
    assertEquals(1, other.exclusive(() -> other.tuner().measured()));
  }

  /**
   * The model path of the GEMM on 16-bit rows ({@link WgmmaGemm#onHalfRows}, offered as the
   * device check offers it) on an emulated sm_90 at fp16: a variant whose record names one of its
   * routes runs it, in a CUDA graph, with the weight's 16-bit copy as B and A copied afresh on
   * each call (two calls, other inputs). The record is made untuned and edited, since the
   * emulator's times would pick any route.
   */
  @Test
  void aVariantRunsTheGemmOnSixteenBitRowsItsRecordNames() {
    Graph graph = dense();
    CudaOptions fp16 = CudaOptions.defaults().withGemm("generated")
        .withPrecision(GemmPrecision.FP16);
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0)) {
      CudaBackend untuned = new CudaBackend(CudaDevice.on(hopper, new HostKernelCompiler()),
          fp16.withGemmTuning(false));
      VariantKey key = new VariantKey("dense", untuned.name(), Map.of("x", List.of(40L, 256L)),
          Map.of());
      CompiledVariant v = untuned.compile(graph, key);
      String record = new String(v.artifacts().get(CudaBackend.ROUTES_FILE),
          StandardCharsets.UTF_8);
      String shape = GemmRoutes.parse(v.artifacts().get(CudaBackend.ROUTES_FILE)).keySet()
          .iterator().next();

      Map<String, ByteBuffer> files = new LinkedHashMap<>();
      for (String name : v.artifacts().names()) {
        files.put(name, v.artifacts().buffer(name));
      }
      String route = "wgmma-fp16-rows-t64x128";
      files.put(CudaBackend.ROUTES_FILE, ByteBuffer.wrap(record.replaceAll(
          "\"route\": \"[^\"]*\"", "\"route\": \"" + route + "\"")
          .getBytes(StandardCharsets.UTF_8)));
      CudaDevice warm = CudaDevice.on(hopper, new HostKernelCompiler());
      warm.offer(WgmmaGemm::onHalfRows);
      CudaVariant loaded = (CudaVariant) new CudaBackend(warm, fp16)
          .load(graph, key, VariantArtifacts.views(files));
      assertEquals(Map.of(shape, route), loaded.gemmRoutes().names());
      assertEquals(0, warm.exclusive(() -> warm.tuner().measured()));
      for (int seed = 5; seed < 7; seed++) {
        Map<String, Tensor> feeds = Map.of("x",
            TestModels.randomFloats(new int[] {40, 256}, seed));
        Map<String, Tensor> want = new Interpreter(graph, OpRegistry.standard()).run(feeds);
        assertNull(Tolerance.mismatch(want.get("y"), loaded.run(feeds).get("y"), 1e-2, 1e-2),
            "call with inputs of seed " + seed);
      }
    }
  }

  @Test
  void withoutTuningTheRuleTakesTheFirstRouteUnmeasured() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    CudaBackend backend = new CudaBackend(fresh, fp32Options().withGemmTuning(false));
    assertTrue(!backend.name().endsWith(".tuned"), backend.name());
    CompiledVariant v = backend.compile(dense(),
        new VariantKey("dense", backend.name(), Map.of("x", List.of(40L, 256L)), Map.of()));
    assertEquals(List.of("nvrtc-fp32"),
        new ArrayList<>(((CudaVariant) v).gemmRoutes().names().values()));
    assertEquals(0, fresh.exclusive(() -> fresh.tuner().measured()));
  }

  @Test
  void anOfferedGemmCompetesOnlyUnderTuning() {
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    fresh.offer((d, compiler, p) -> new Renamed(new GeneratedGemm(d, compiler, p)));
    CompiledVariant tuned = new CudaBackend(fresh, fp32Options()).compile(dense(),
        new VariantKey("dense", "t", Map.of("x", List.of(40L, 256L)), Map.of()));
    String record = new String(tuned.artifacts().get(CudaBackend.ROUTES_FILE), StandardCharsets.UTF_8);
    assertTrue(record.contains("\"offered-nvrtc-fp32\": "), record);

    CudaDevice rule = CudaDevice.on(driver, new HostKernelCompiler());
    rule.offer((d, compiler, p) -> new Renamed(new GeneratedGemm(d, compiler, p)));
    CompiledVariant v = new CudaBackend(rule, fp32Options().withGemmTuning(false)).compile(dense(),
        new VariantKey("dense", "r", Map.of("x", List.of(40L, 256L)), Map.of()));
    assertEquals(List.of("nvrtc-fp32"),
        new ArrayList<>(((CudaVariant) v).gemmRoutes().names().values()));
  }

  /** Another GEMM's routes under names of their own, as an offered GEMM has. */
  private record Renamed(GeneratedGemm inner) implements GpuGemm {
    @Override
    public String name() {
      return "offered-" + inner.name();
    }

    @Override
    public String whyNot(GemmShape s) {
      return inner.whyNot(s);
    }

    @Override
    public void enqueue(GemmShape s, long a, long b, long c, long bias) {
      inner.enqueue(s, a, b, c, bias);
    }

    @Override
    public List<GemmRoute> routes(GemmShape s) {
      return inner.routes(s).stream().map(r -> GemmRoute.of("offered-" + r.name(), s,
          r.precision(), r::enqueue)).toList();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private static CudaOptions fp32Options() {
    return CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
        .withGraphs(false);
  }

  /** {@code y = x @ w + b}: x [40, 256], w [256, 24], b [24] (folded into the GEMM). */
  private static Graph dense() {
    return Specializer.specialize(TestModels.graph(TestModels.builder("dense")
        .input("x", DType.FLOAT, 40, 256)
        .output("y", DType.FLOAT, 40, 24)
        .initializer("w", TestModels.randomFloats(new int[] {256, 24}, 6))
        .initializer("b", TestModels.randomFloats(new int[] {24}, 7))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "b"), List.of("y"))
        .build()), Map.of("x", new int[] {40, 256}));
  }

  /** A route that runs the real kernel over only part of K: a plausible but wrong result. */
  private static GemmRoute shortK(GeneratedGemm g) {
    GemmShape s = THIN;
    GemmShape part = new GemmShape(1, s.m(), s.n(), s.k() - 16, s.aBatch(), s.aRow(), s.aCol(),
        s.bBatch(), s.bRow(), s.bCol(), s.cBatch(), s.ldc(), s.alpha(), s.beta(), s.hasBias(),
        s.biasRow(), s.biasCol());
    return GemmRoute.of("short-k", THIN, GemmPrecision.FP32,
        (a, b, c, bias) -> g.enqueue(part, a, b, c, bias));
  }

  private static GemmRoute throwing() {
    return GemmRoute.of("throws", THIN, GemmPrecision.FP32, (a, b, c, bias) -> {
      throw new IllegalStateException("no kernel here");
    });
  }

  /** THIN's operands: A [40, 256] row-major, B stored transposed ([24, 256]), a bias row. */
  private record Operands(float[] ha, float[] hb, float[] hbias, long a, long b, long bias,
      long c, long cBytes) {
    static Operands of(GemmShape s) {
      float[] a = random(s.m() * s.k(), 11);
      float[] b = random(s.n() * s.k(), 12);
      float[] bias = random(s.n(), 13);
      long cBytes = 4L * s.m() * s.ldc();
      return new Operands(a, b, bias, up(a), up(b), up(bias), driver.alloc(cBytes), cBytes);
    }

    float[] hostProduct(GemmShape s) {
      float[] out = new float[s.m() * s.n()];
      for (int i = 0; i < s.m(); i++) {
        for (int j = 0; j < s.n(); j++) {
          double sum = 0;
          for (int p = 0; p < s.k(); p++) {
            sum += (double) ha[i * s.aRow() + p * s.aCol()] * hb[p * s.bRow() + j * s.bCol()];
          }
          out[i * s.n() + j] = (float) (s.alpha() * sum + s.beta() * hbias[j * s.biasCol()]);
        }
      }
      return out;
    }

    float[] outputs(GemmShape s) {
      ByteBuffer host = ByteBuffer.allocateDirect((int) cBytes).order(ByteOrder.nativeOrder());
      driver.download(host, c);
      float[] out = new float[s.m() * s.n()];
      for (int i = 0; i < s.m(); i++) {
        for (int j = 0; j < s.n(); j++) {
          out[i * s.n() + j] = host.getFloat((i * s.ldc() + j) * 4);
        }
      }
      return out;
    }

    void free() {
      driver.free(a);
      driver.free(b);
      driver.free(bias);
      driver.free(c);
    }

    private static float[] random(int n, long seed) {
      Random r = new Random(seed);
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = r.nextFloat() * 2 - 1;
      }
      return v;
    }

    private static long up(float[] v) {
      ByteBuffer bytes = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder());
      bytes.asFloatBuffer().put(v);
      long p = driver.alloc(v.length * 4L);
      driver.upload(p, bytes);
      return p;
    }
  }
}
