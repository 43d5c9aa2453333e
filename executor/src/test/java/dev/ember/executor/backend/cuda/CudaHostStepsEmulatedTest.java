package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.explain.ModelExplain;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Host steps on the host emulator of the GPU: a graph whose Clip, Greater and Concat have no CUDA
 * kernel runs them on the host between device steps and gives the interpreter's outputs; {@code
 * cuda} mode refuses it naming the ops; {@code auto} puts each variant where the cost rule says.
 */
class CudaHostStepsEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;
  private static CudaBackend cuda;
  private static CudaAutoBackend auto;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
    CudaDevice device = GPU.device();
    // The SIMT kernel, untuned: the tuner's emulated timing of tensor-core routes takes minutes.
    cuda = new CudaBackend(device, CudaOptions.defaults().withGemm("generated")
        .withPrecision(GemmPrecision.FP32).withGemmTuning(false));
    auto = new CudaAutoBackend(cuda, new CpuJaninoBackend());
  }

  private static Map<String, Tensor> interpret(Graph g, Map<String, Tensor> in) {
    return new Interpreter(g, OpRegistry.standard()).run(in);
  }

  private static void assertAgrees(Map<String, Tensor> want, Map<String, Tensor> got) {
    assertEquals(want.keySet(), got.keySet());
    want.forEach((name, t) -> assertNull(Tolerance.mismatch(t, got.get(name), 1e-4, 1e-5), name));
  }

  private static VariantKey key(String name, CudaAutoBackend b) {
    return new VariantKey(name, b.name(), Map.of(), Map.of("variant", "static"));
  }

  @Test
  void hostStepsRunBetweenDeviceStepsAndMatchTheInterpreter() {
    Graph g = HostStepModels.at(HostStepModels.mixed(16, 32), 3, 16);
    CudaProgram p = new CudaCodegen(CudaBackend.lower(g), true).generate();
    List<String> hosts = p.steps().stream().filter(s -> s instanceof CudaProgram.Host)
        .map(s -> ((CudaProgram.Host) s).step().node().name()).toList();
    assertEquals(List.of("clip", "greater", "concat"), hosts);
    CompiledVariant v = cuda.compile(p, new VariantKey("mixed", cuda.name(), Map.of(), Map.of()));
    for (long seed = 1; seed <= 2; seed++) {
      Map<String, Tensor> in = HostStepModels.feeds(3, 16, seed);
      assertAgrees(interpret(g, in), v.run(in));
    }
    assertTrue(CudaBackend.describe(p).contains("host Clip, 384 B down, 384 B up"),
        CudaBackend.describe(p));
  }

  @Test
  void cudaModeRefusesTheGraphNamingItsOps() {
    Graph g = HostStepModels.at(HostStepModels.mixed(16, 32), 2, 16);
    EmberException e = assertThrows(EmberException.class,
        () -> cuda.compile(g, new VariantKey("mixed", cuda.name(), Map.of(), Map.of())));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
    assertTrue(e.getMessage().contains("ops without CUDA kernels: Clip x1, Concat x1, Greater x1"
        + " (node 'clip': "), e.getMessage());
    assertTrue(e.getMessage().contains("set spark.ember.device=auto"), e.getMessage());
    assertTrue(cuda.placement(g).startsWith("refused: UNSUPPORTED_OP"), cuda.placement(g));
  }

  @Test
  void autoRunsABigVariantOnTheGpuWithHostStepsAndATinyOneOnTheCpu() {
    Graph big = HostStepModels.at(HostStepModels.mixed(512, 512), 64, 512);
    CompiledVariant onGpu = auto.compile(big, key("big", auto));
    assertInstanceOf(CudaVariant.class, onGpu);
    assertTrue(((CudaVariant) onGpu).program().hasHostSteps());
    Map<String, Tensor> in = HostStepModels.feeds(64, 512, 3);
    assertAgrees(interpret(big, in), onGpu.run(in));

    Graph tiny = HostStepModels.at(HostStepModels.mixed(16, 32), 2, 16);
    CompiledVariant onCpu = auto.compile(tiny, key("tiny", auto));
    assertFalse(onCpu instanceof CudaVariant, onCpu.getClass().getName());
    Map<String, Tensor> small = HostStepModels.feeds(2, 16, 4);
    assertAgrees(interpret(tiny, small), onCpu.run(small));
  }

  @Test
  void autoLoadsSavedVariantsFromTheBackendThatMadeThem() {
    for (int rows : new int[] {2, 64}) {
      int hidden = rows == 2 ? 16 : 512;
      Graph g = HostStepModels.at(HostStepModels.mixed(hidden, rows == 2 ? 32 : 512), rows,
          hidden);
      VariantKey k = key("load" + rows, auto);
      CompiledVariant first = auto.compile(g, k);
      CompiledVariant again = auto.load(g, k, first.artifacts());
      assertEquals(first.getClass(), again.getClass());
      Map<String, Tensor> in = HostStepModels.feeds(rows, hidden, 5);
      assertAgrees(interpret(g, in), again.run(in));
    }
  }

  @Test
  void aLevel3VariantWithHostStepsIsNotCapturedAndStillRuns() {
    long replays = driver.replays();
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(64))).backend(auto).build(HostStepModels.mixed(512, 512));
    Map<String, Tensor> in = HostStepModels.feeds(64, 512, 6);
    assertAgrees(interpret(w.graph(), in), w.call(in));
    assertAgrees(interpret(w.graph(), in), w.call(in));
    assertEquals(replays, driver.replays(), "a program with host steps is never a CUDA graph");
  }

  @Test
  void explainSaysWhereTheLargestVariantRunsAndWhy() {
    CompileOptions level3 = CompileOptions.level(3).withCaptureSizes(List.of(2, 64));
    Graph g = HostStepModels.mixed(512, 512);
    String text = ModelExplain.of("mixed.onnx",
        CompileWrapper.builder(level3).planOnly().backend(auto).build(g), null, "cuda:0");
    assertTrue(text.contains("\n  placement of the largest variant (batch=64): GPU with host"
        + " steps; ops without CUDA kernels run on the host between device steps: Clip x1,"
        + " Concat x1, Greater x1 (3 of 6 compute nodes on the host; device work "), text);
    assertTrue(text.contains("each variant is placed on its own shapes\n"), text);
    String strict = ModelExplain.of("mixed.onnx",
        CompileWrapper.builder(level3).planOnly().backend(cuda).build(g), null, "cuda:0");
    assertTrue(strict.contains("\n  placement of the largest variant (batch=64): refused:"
        + " UNSUPPORTED_OP: the cuda backend cannot compile graph 'mixed': ops without CUDA"
        + " kernels: Clip x1, Concat x1, Greater x1"), strict);
    String tiny = ModelExplain.of("mixed.onnx", CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(1))).planOnly().backend(auto).build(HostStepModels.mixed(16,
        32)), null, "cuda:0");
    assertTrue(tiny.contains("placement of the largest variant (batch=1): whole model on the CPU"
        + " (cpu-janino): ops without CUDA kernels (Clip x1, Concat x1, Greater x1) would cost"
        + " more in host steps than the GPU saves"), tiny);
  }

  @Test
  void aGraphOfMostlyHostOpsRunsOnTheCpuUnderAuto() {
    Graph g = HostStepModels.at(HostStepModels.mostlyHost(64), 8, 64);
    CompiledVariant v = auto.compile(g, key("mostly", auto));
    assertFalse(v instanceof CudaVariant);
    Map<String, Tensor> in = HostStepModels.feeds(8, 64, 7);
    assertAgrees(interpret(g, in), v.run(in));
    assertTrue(auto.placement(g).startsWith("whole model on the CPU"), auto.placement(g));
  }
}
