package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KernelProfile}'s parts on the host emulator, whose driver records the kernels run inside
 * a profiled range as Nsight Compute started with {@code --profile-from-start off} would: the
 * range holds each GEMM route's launches exactly once (not its warm-up, not the B copies made
 * before it), and one forward pass of the MiniLM variant (not its compiling, tuning, capture or
 * warm-up pass).
 */
class KernelProfileEmulatedTest {
  private static final String COPY = "ember_half_rows_fp16";

  @TempDir
  Path tmp;

  @BeforeEach
  void emulator() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
  }

  @Test
  void theGemmRangeHoldsEachRouteOnce() throws Exception {
    List<String> kernels;
    List<String> routes;
    try (EmulatedRig rig = new EmulatedRig()) {
      Results r = new Results(tmp.resolve("gemm"));
      assertEquals(0, KernelProfile.run(rig, r, tmp, "gemm"), String.valueOf(r.get("error")));
      routes = ((List<?>) r.get("profiled")).stream().map(m -> (Map<?, ?>) m)
          .map(m -> m.get("shape") + ": " + m.get("route")).toList();
      kernels = rig.opened().stream().flatMap(d -> d.profiledKernels().stream()).toList();
      assertEquals(Map.of(), r.get("refused"));
    }
    // Both shapes: the square one and the model's largest, every fp16 route of each.
    assertEquals(2 * 19, routes.size(), routes.toString());
    assertTrue(routes.get(0).startsWith("square 64^3: "), routes.toString());
    assertTrue(routes.get(routes.size() - 1).startsWith("rows 32x128x96: "), routes.toString());
    // A route on 16-bit rows copies A inside the range, right before its product.
    long rowRoutes = routes.stream().filter(n -> n.endsWith("-hab")).count();
    assertEquals(6, rowRoutes, routes.toString());
    assertEquals(rowRoutes, kernels.stream().filter(COPY::equals).count(), kernels.toString());
    assertEquals(routes.size(), kernels.stream().filter(k -> !k.equals(COPY)).count(),
        "one product a route: " + kernels);
    for (int i = 0; i < kernels.size(); i++) {
      if (kernels.get(i).equals(COPY)) {
        assertTrue(kernels.get(i + 1).endsWith("_hab"), kernels.toString());
      }
    }
  }

  @Test
  void theMiniLmRangeHoldsOneForwardPass() throws Exception {
    Path data = tmp.resolve("data");
    GpuPrepare.main(new String[] {data.toString(),
        RepoFiles.of("data/sample/wordnet-glosses.txt").toString()});
    Path skeleton = data.resolve(GpuPrepare.SKELETON_FILE);
    Files.write(skeleton, GpuCheckRehearsalTest.firstLayerOnly(Files.readAllBytes(skeleton)));
    List<String> kernels;
    Results r = new Results(tmp.resolve("minilm"));
    try (EmulatedRig rig = new EmulatedRig()) {
      assertEquals(0, KernelProfile.run(rig, r, data, "minilm"), String.valueOf(r.get("error")));
      List<EmulatedDriver> drivers = rig.opened();
      assertEquals(1, drivers.size(), "the part runs on the rig's device alone");
      kernels = drivers.get(0).profiledKernels();
    }
    assertEquals(true, r.get("captured"));
    // The pass's steps in program order: generated kernel #N runs as kN, a GEMM step as the
    // fp16 GEMM kernel its route launches (B read from the weight's 16-bit copy here).
    List<String> want = strings(r.get("stepLabels")).stream()
        .map(l -> l.startsWith("gemm: ") ? "ember_gemm_fp16"
            : "k" + l.replaceFirst("^[a-z_]+: kernel #(\\d+) .*", "$1"))
        .toList();
    assertEquals(r.get("steps"), want.size());
    assertEquals(want, kernels.stream()
        .map(k -> k.startsWith("ember_gemm_fp16") ? "ember_gemm_fp16" : k).toList());
    assertTrue(want.contains("ember_gemm_fp16") && want.size() > 10, want.toString());
  }

  private static List<String> strings(Object list) {
    return ((List<?>) list).stream().map(String::valueOf).toList();
  }
}
