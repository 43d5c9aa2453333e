package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.CudaPlacement.Where;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.testing.TestModels;
import org.junit.jupiter.api.Test;

/**
 * The auto decision between the GPU with host steps and the whole model on the CPU: the cost rule
 * on its own numbers, then on graphs (generating CUDA programs needs no device).
 */
class CudaPlacementTest {
  @Test
  void hostStepsPayWhenTheDeviceWorkOutweighsTheirCopiesAndSyncs() {
    // 1 MB copied and one step cost 20e6 + 2.5e6 flops at the CPU's rate.
    HostStepCost cost = new HostStepCost(22_500_000, 1_000_000, 1, 1, 10);
    assertEquals(22_500_000, cost.hostCost());
    assertTrue(cost.hostStepsPay());
    assertFalse(new HostStepCost(22_499_999, 1_000_000, 1, 1, 10).hostStepsPay());
    // Each step's synchronisation counts even when it copies nothing.
    assertFalse(new HostStepCost(7_499_999, 0, 3, 3, 10).hostStepsPay());
    assertTrue(new HostStepCost(7_500_000, 0, 3, 3, 10).hostStepsPay());
  }

  @Test
  void hostStepsNeverPayWhenHostOpsAreMostOfTheGraph() {
    assertTrue(new HostStepCost(Long.MAX_VALUE / 8, 0, 1, 5, 10).hostStepsPay());
    HostStepCost most = new HostStepCost(Long.MAX_VALUE / 8, 0, 1, 6, 10);
    assertFalse(most.hostStepsPay());
    assertTrue(most.why().contains("6 of 10 compute nodes on the host (more than half)"),
        most.why());
  }

  @Test
  void aBigGemmAmongHostOpsRunsOnTheGpuWithHostSteps() {
    Graph g = HostStepModels.at(HostStepModels.mixed(512, 512), 64, 512);
    CudaPlacement p = CudaPlacement.decide(g, null);
    assertEquals(Where.GPU_WITH_HOST_STEPS, p.where(), p.describe());
    // Clip and Greater each copy h [64, 512] down; Clip's float and Greater's bool output go up;
    // Concat copies Where's output down, reads x from the call and sends z up (a graph output).
    long f = 64 * 512 * 4;
    assertEquals(f + f + f + f / 4 + f + 64 * 1024 * 4, p.cost().hostBytes());
    assertEquals(3, p.cost().hostSteps());
    assertEquals(3, p.cost().hostNodes());
    assertEquals(6, p.cost().computeNodes());
    // The GEMM's multiply-adds, plus Relu and Where (one fused loop) priced per element.
    assertEquals(2L * 64 * 512 * 512 + HostStepCost.FLOPS_PER_ELEMENT * 2 * 64 * 512,
        p.cost().deviceFlops());
    assertTrue(p.describe().startsWith("GPU with host steps; ops without CUDA kernels run on the"
        + " host between device steps: Clip x1, Concat x1, Greater x1"), p.describe());
  }

  @Test
  void aTinyGraphWhoseCopiesCostMoreThanItsWorkRunsOnTheCpu() {
    Graph g = HostStepModels.at(HostStepModels.mixed(16, 32), 2, 16);
    CudaPlacement p = CudaPlacement.decide(g, null);
    assertEquals(Where.CPU, p.where());
    assertNull(p.program());
    assertTrue(p.describe().startsWith("whole model on the CPU (cpu-janino): ops without CUDA"
        + " kernels (Clip x1, Concat x1, Greater x1) would cost more in host steps than the GPU"
        + " saves"), p.describe());
    assertTrue(p.describe().contains(", more than the work"), p.describe());
  }

  @Test
  void aGraphOfMostlyHostOpsRunsOnTheCpuHoweverLarge() {
    Graph g = HostStepModels.at(HostStepModels.mostlyHost(4096), 256, 4096);
    CudaPlacement p = CudaPlacement.decide(g, null);
    assertEquals(Where.CPU, p.where(), p.describe());
    assertTrue(p.describe().contains("Clip x1, Concat x1, Greater x1, Not x1"), p.describe());
    assertTrue(p.describe().contains("4 of 5 compute nodes on the host (more than half)"),
        p.describe());
  }

  @Test
  void aGraphWithAKernelForEveryOpStaysOnTheGpu() {
    Graph g = dev.ember.executor.passes.Specializer.specialize(
        TestModels.graph(TestModels.mlp()), java.util.Map.of("x", new int[] {2, 4}));
    CudaPlacement p = CudaPlacement.decide(g, null);
    assertEquals(Where.GPU, p.where());
    assertNotNull(p.program());
    assertFalse(p.program().hasHostSteps());
  }

  @Test
  void symbolicShapesGoToTheCpuWithTheReason() {
    Graph g = HostStepModels.mixed(16, 32); // batch left symbolic
    CudaPlacement p = CudaPlacement.decide(g, null);
    assertEquals(Where.CPU, p.where());
    assertTrue(p.reason().contains("not static"), p.reason());
  }
}
