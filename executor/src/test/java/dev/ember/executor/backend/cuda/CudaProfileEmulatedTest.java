package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CudaProfile} on the host emulator: every step of a MiniLM variant is timed, captured and
 * launch-by-launch, and the variant still computes the right answer afterwards (the per-step
 * reruns write in place). The emulator's times mean nothing; only their presence is checked.
 */
class CudaProfileEmulatedTest {
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

  private static CompileWrapper wrapper(CudaOptions o) {
    // Without GEMM tuning, whose timing of MiniLM's routes the emulator runs for minutes.
    CudaBackend b = new CudaBackend(device,
        o.withGemm("generated").withPrecision(GemmPrecision.FP32).withGemmTuning(false));
    CompileOptions level3 = CompileOptions.level(3).withCaptureSizes(List.of(1))
        .withSeqBuckets(List.of(8));
    return CompileWrapper.builder(level3).backend(b).build(miniLm);
  }

  @Test
  void capturedVariantListsEveryStepAndStillComputesTheModel() {
    check(wrapper(CudaOptions.defaults()), true);
  }

  @Test
  void launchByLaunchVariantListsEveryStep() {
    check(wrapper(CudaOptions.defaults().withGraphs(false)), false);
  }

  private static void check(CompileWrapper w, boolean captured) {
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(1, 8, 7);
    CompiledVariant v = w.variant(w.captureIndex(1, 8));
    assertTrue(CudaProfile.supports(v));
    assertEquals(captured, CudaProfile.captured(v));

    long replays = driver.replays();
    double seconds = CudaProfile.secondsPerPass(v, in, 2);
    assertTrue(seconds > 0 && Double.isFinite(seconds), "seconds per pass " + seconds);
    assertEquals(captured ? 3 : 0, driver.replays() - replays, "one untimed pass and two timed");

    List<CudaProfile.StepTime> steps = CudaProfile.steps(v, in, 1);
    int n = ((CudaVariant) v).program().steps().size();
    assertEquals(n, CudaProfile.stepCount(v));
    assertEquals(n, steps.size());
    Set<String> kinds = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      CudaProfile.StepTime s = steps.get(i);
      assertEquals(i, s.index());
      assertEquals(((CudaVariant) v).program().steps().get(i).label(), s.label());
      assertTrue(s.micros() >= 0 && Double.isFinite(s.micros()), s.toString());
      assertEquals(s.kind().equals("gemm"), s.gemm() != null, s.toString());
      kinds.add(s.kind());
    }
    assertTrue(kinds.containsAll(List.of("gemm", "gather", "layer_norm")), kinds.toString());
    assertFalse(kinds.contains("other"), "every MiniLM step has a kind: " + kinds);

    Tensor want = new Interpreter(miniLm, OpRegistry.standard()).run(in).get("last_hidden_state");
    Tensor got = w.call(in).get("last_hidden_state");
    assertNotNull(got);
    assertNull(Tolerance.mismatch(want, got, 1e-4, 1e-4), "a call after profiling");
  }
}
