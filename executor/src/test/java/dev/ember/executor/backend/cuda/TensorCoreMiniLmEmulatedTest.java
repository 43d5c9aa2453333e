package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * all-MiniLM-L6-v2 on the tensor-core GEMMs, run on the host emulator's PTX models: the fused
 * program a GPU runs (Q, K and V as one GEMM that attention reads as column blocks, GELU in the
 * FFN GEMM's store, fused attention) agrees with the interpreter at tf32, fp16 and bf16, by the
 * smallest cosine between token vectors, the measure the device check reports.
 */
class TensorCoreMiniLmEmulatedTest {
  private static final String OUT = "last_hidden_state";
  private static Graph miniLm;
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;
  private static CudaDevice device;

  @BeforeAll
  static void setUp() {
    miniLm = MiniLmFixture.graph();
    driver = GPU.driver();
    device = GPU.device();
  }

  @ParameterizedTest
  @CsvSource({"TF32, 0.99999", "FP16, 0.99999", "BF16, 0.9999"})
  void fusedMiniLmOnTensorCoresMatchesTheInterpreter(GemmPrecision p, double minCosine) {
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 13, 5);
    Map<String, int[]> shapes = new LinkedHashMap<>();
    in.forEach((k, v) -> shapes.put(k, v.shape()));
    Graph g = Specializer.specialize(miniLm, shapes);
    // Tuning would time every route of MiniLM's products, minutes on the emulator; the tile rule
    // picks one per shape, and GemmTensorCoreEmulatedTest runs every route.
    // A device of its own, so that its weight bytes are this precision's alone.
    CudaDevice fresh = CudaDevice.on(driver, new HostKernelCompiler());
    CudaBackend backend = new CudaBackend(fresh, CudaOptions.defaults().withGemm("generated")
        .withPrecision(p).withGemmTuning(false).withGraphs(false));
    CompiledVariant v = backend.compile(g, new VariantKey("minilm", backend.name(), Map.of(),
        Map.of("variant", "static")));
    assertWeightsAsTheRoutesReadThem(p, (CudaVariant) v, fresh);
    String program = new String(v.artifacts().get(CudaBackend.PROGRAM_FILE),
        StandardCharsets.UTF_8);
    assertEquals(6, count(program, "gemm\\(weights\\)\\+bias\\[x3\\]"), program);
    assertEquals(6, count(program, "gemm\\(weights\\)\\+bias\\+epilogue\\["), program);
    Tensor want = new Interpreter(g, OpRegistry.standard()).run(in).get(OUT);
    double cos = CudaBackendGpuTest.minCosine(want, v.run(in).get(OUT));
    System.out.printf("%s on the emulator: smallest token cosine %.7f%n", p, cos);
    assertTrue(cos >= minCosine, p + ": smallest token cosine " + cos);
  }

  /**
   * At fp16 and bf16 every weight GEMM reads B as its 16-bit copy (13 tokens: the rule's tile is
   * pipelined) and the device holds those copies instead of the float32 weights: float32 bytes
   * less the copies' bytes fewer than at tf32, where no route reads B so.
   */
  private static void assertWeightsAsTheRoutesReadThem(GemmPrecision p, CudaVariant v,
      CudaDevice fresh) {
    boolean half = p != GemmPrecision.TF32;
    Map<Integer, GemmShape> weightGemms = new LinkedHashMap<>();
    for (CudaProgram.Step s : v.program().steps()) {
      if (s instanceof CudaProgram.Gemm gm && gm.shape().bBatch() == 0) {
        weightGemms.put(gm.b().index(), gm.shape());
        assertEquals(half, v.gemmRoutes().get(gm.shape()).readsHalfB(), gm.label());
      }
    }
    assertEquals(24, weightGemms.size(), "Q/K/V (merged), out, FFN up and down in six layers");
    long saved = 0;
    for (GemmShape s : weightGemms.values()) {
      saved += 4L * s.k() * s.n() - HalfWeights.bytes(s);
    }
    Set<Tensor> weights = Collections.newSetFromMap(new IdentityHashMap<>());
    long floats = 0;
    for (CudaProgram.Buffer b : v.program().buffers()) {
      if (b.kind() == CudaProgram.Kind.WEIGHT && weights.add(b.weight())) {
        floats += DeviceData.deviceBytes(b.weight());
      }
    }
    assertEquals(half ? floats - saved : floats, fresh.weightBytes(), "device bytes of weights");
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile("kernel #\\d+ " + regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
