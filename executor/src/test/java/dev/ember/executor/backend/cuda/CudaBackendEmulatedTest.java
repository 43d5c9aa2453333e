package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import dev.ember.executor.text.PooledGraph;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole CUDA backend (code generation, buffers, launches, GEMM steps, CUDA-graph capture and
 * replay, the bad-index flag, the compile cache's load path) on the host emulator of the GPU,
 * against the interpreter, with the FP32 generated GEMM (TensorCoreMiniLmEmulatedTest runs MiniLM
 * on the tensor-core GEMMs).
 */
class CudaBackendEmulatedTest {
  private static final String OUT = "last_hidden_state";
  private static Graph miniLm;
  private static Interpreter interp;
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;
  private static CudaDevice device;
  private static final AtomicInteger compiles = new AtomicInteger();

  @BeforeAll
  static void setUp() {
    miniLm = MiniLmFixture.graph();
    interp = new Interpreter(miniLm, OpRegistry.standard());
    driver = GPU.driver();
    HostKernelCompiler host = new HostKernelCompiler();
    KernelCompiler counting = new KernelCompiler() {
      @Override
      public String name() {
        return host.name();
      }

      @Override
      public byte[] compile(String source, String arch, String program) {
        compiles.incrementAndGet();
        return host.compile(source, arch, program);
      }
    };
    device = CudaDevice.on(driver, counting);
  }

  /**
   * Without GEMM tuning: its routes are timed on MiniLM's 384-wide products, which the emulator
   * runs for minutes; GemmTunerEmulatedTest covers the tuner.
   */
  private static CudaBackend backend(CudaOptions o) {
    return new CudaBackend(device, o.withGemm("generated").withPrecision(GemmPrecision.FP32)
        .withGemmTuning(false));
  }

  /** MiniLM with the static shapes of {@code feeds}, as a single variant is compiled. */
  private static Graph specialized(Map<String, Tensor> feeds) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    feeds.forEach((k, v) -> shapes.put(k, v.shape()));
    return dev.ember.executor.passes.Specializer.specialize(miniLm, shapes);
  }

  private static CompileWrapper wrapper(CudaOptions o) {
    CompileOptions level3 = CompileOptions.level(3).withCaptureSizes(List.of(1, 2))
        .withSeqBuckets(List.of(8, 16));
    return CompileWrapper.builder(level3).backend(backend(o)).build(miniLm);
  }

  @Test
  void miniLmAtLevel3IsCapturedReplayedAndMatchesTheInterpreter() {
    long replaysBefore = driver.replays();
    CompileWrapper w = wrapper(CudaOptions.defaults());
    for (long seed = 1; seed <= 2; seed++) {
      Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(2, 13, seed);
      Tensor want = interp.run(in).get(OUT);
      Tensor got = w.call(in).get(OUT);
      assertNull(Tolerance.mismatch(want, got, 1e-4, 1e-4), "seed " + seed);
    }
    assertEquals(2, driver.replays() - replaysBefore, "one graph replay per call");
  }

  @Test
  void fusedAttentionSpansSeveralKeyAndQueryTiles() {
    // 40 tokens: two key tiles of 32 (the second partly padding) and three query tiles of 16.
    CompileOptions level3 = CompileOptions.level(3).withCaptureSizes(List.of(1))
        .withSeqBuckets(List.of(40));
    CompileWrapper w = CompileWrapper.builder(level3).backend(backend(CudaOptions.defaults()))
        .build(miniLm);
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 40, 7);
    assertNull(Tolerance.mismatch(interp.run(in).get(OUT), w.call(in).get(OUT), 1e-4, 1e-4));
  }

  @Test
  void withoutAttentionFusionTheModelRunsAsBatchedGemmsAndAgrees() {
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 6, 11);
    Graph g = specialized(in);
    CudaOptions o = CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
        .withGemmTuning(false).withGraphs(false);
    CudaBackend unfused = CudaBackend.withoutAttentionFusion(device, o);
    assertTrue(unfused.name().endsWith(".unfusedAttention"), unfused.name());
    CompiledVariant v = unfused.compile(g, new VariantKey("minilm", unfused.name(), Map.of(),
        Map.of("variant", "static")));
    String program = new String(v.artifacts().get(CudaBackend.PROGRAM_FILE),
        StandardCharsets.UTF_8);
    assertFalse(Pattern.compile("kernel #\\d+ attention").matcher(program).find(), program);
    assertTrue(Pattern.compile("kernel #\\d+ softmax").matcher(program).find(), program);
    assertNull(Tolerance.mismatch(interp.run(in).get(OUT), v.run(in).get(OUT), 1e-4, 1e-4));
    String fused = new String(backend(o).compile(g, new VariantKey("minilm", "fused", Map.of(),
        Map.of("variant", "static"))).artifacts().get(CudaBackend.PROGRAM_FILE),
        StandardCharsets.UTF_8);
    assertTrue(Pattern.compile("kernel #\\d+ attention").matcher(fused).find(), fused);
    // Fused, each layer's Q, K and V are one GEMM and its GELU is the FFN GEMM's epilogue.
    assertEquals(6, count(fused, "kernel #\\d+ gemm\\(weights\\)\\+bias\\[x3\\]"), fused);
    assertEquals(6, count(fused, "kernel #\\d+ gemm\\(weights\\)\\+bias\\+epilogue\\["), fused);
    assertEquals(0, count(program, "\\[x3\\]|\\+epilogue\\["), program);
    assertEquals(0, count(program, "epilogue=e"), program);
    assertEquals(6, count(fused, "epilogue=e"), fused);
  }

  @Test
  void variantsOfOneModelShareTheMergedQkvWeightsOnTheDevice() {
    // Each variant is lowered anew; its merged Q, K, V weights must be the same tensors, which
    // the device uploads once, or every variant would add 6 x 1.7 MB of copies.
    CudaOptions o = CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
        .withGemmTuning(false).withGraphs(false);
    CudaBackend b = backend(o);
    b.compile(specialized(MiniLmFixture.syntheticFeeds(1, 5, 3)),
        new VariantKey("minilm", b.name(), Map.of(), Map.of("variant", "5")));
    long bytes = device.weightBytes();
    b.compile(specialized(MiniLmFixture.syntheticFeeds(2, 9, 3)),
        new VariantKey("minilm", b.name(), Map.of(), Map.of("variant", "2x9")));
    // Constants folded for one shape (position rows) are the variant's own: kilobytes.
    long added = device.weightBytes() - bytes;
    assertTrue(added < 384 * 1152 * 4, added + " bytes of weights added by the second variant");
  }

  private static long count(String text, String regex) {
    return Pattern.compile(regex).matcher(text).results().count();
  }

  @Test
  void poolingInTheGraphRunsOnTheDevice() {
    // What SentenceEmbedder compiles: the masked mean as a batched GEMM, then the L2 norm.
    Graph pooled = PooledGraph.of(miniLm, OUT, "attention_mask");
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(2)).withSeqBuckets(List.of(8)))
        .backend(backend(CudaOptions.defaults())).build(pooled);
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(2, 6, 9);
    Tensor want = new Interpreter(pooled, OpRegistry.standard()).run(in).get(PooledGraph.OUTPUT);
    assertNull(Tolerance.mismatch(want, w.call(in).get(PooledGraph.OUTPUT), 1e-4, 1e-5));
  }

  @Test
  void withoutGraphMemoryVariantsRunLaunchByLaunch() {
    long replaysBefore = driver.replays();
    CompileWrapper w = wrapper(CudaOptions.defaults().withGraphMemoryBytes(0));
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 7, 3);
    assertNull(Tolerance.mismatch(interp.run(in).get(OUT), w.call(in).get(OUT), 1e-4, 1e-4));
    assertEquals(replaysBefore, driver.replays());
  }

  @Test
  void aTokenIdBeyondTheVocabularyIsABadInputNamingTheGather() {
    CompileWrapper w = wrapper(CudaOptions.defaults().withGraphs(false));
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 5, 4);
    long[] ids = in.get("input_ids").rawLongs().clone();
    ids[2] = 40_000;
    in.put("input_ids", Tensor.ofLongs(DType.INT64, new int[] {1, 5}, ids));
    EmberException e = assertThrows(EmberException.class, () -> w.call(in));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("gather"), e.getMessage());
  }

  @Test
  void savedArtifactsLoadWithoutCompiling() {
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 6, 5);
    Graph g = specialized(in);
    CudaBackend b = backend(CudaOptions.defaults().withGraphs(false));
    VariantKey key = new VariantKey("minilm", b.name(), Map.of(), Map.of("variant", "static"));
    CompiledVariant first = b.compile(g, key);
    int before = compiles.get();
    CompiledVariant again = b.load(g, key, first.artifacts());
    assertEquals(before, compiles.get(), "load must not compile");
    Tensor want = interp.run(in).get(OUT);
    assertNull(Tolerance.mismatch(want, again.run(in).get(OUT), 1e-4, 1e-4));
    assertTrue(first.artifacts().files().containsKey("kernels." + device.info().arch()
        + ".cubin"));
  }
}
