package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NVRTC compiles header-free CUDA C on any machine; no GPU needed. */
class NvrtcTest {
  /** A block-wide sum: shared memory, warp shuffles, barriers and a math builtin. */
  private static final String BLOCK_SUM =
      String.join(
          "\n",
          "extern \"C\" __global__ void block_sum(const float* __restrict__ x,",
          "                                       float* __restrict__ out, int n) {",
          "  __shared__ float warp_sums[32];",
          "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
          "  float v = i < n ? expf(x[i]) : 0.0f;",
          "  for (int lane = 16; lane > 0; lane >>= 1) {",
          "    v += __shfl_xor_sync(0xffffffffu, v, lane);",
          "  }",
          "  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = v;",
          "  __syncthreads();",
          "  if (threadIdx.x < 32) {",
          "    v = threadIdx.x < (blockDim.x >> 5) ? warp_sums[threadIdx.x] : 0.0f;",
          "    for (int lane = 16; lane > 0; lane >>= 1) {",
          "      v += __shfl_xor_sync(0xffffffffu, v, lane);",
          "    }",
          "    if (threadIdx.x == 0) out[blockIdx.x] = v;",
          "  }",
          "}",
          "");

  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  @BeforeEach
  void needsNvrtc() {
    GpuAssumptions.assumeNvrtc();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void compilesAHeaderFreeKernelToACubin(String arch) {
    byte[] cubin = new Nvrtc().compile(BLOCK_SUM, arch, "block_sum.cu");
    assertTrue(cubin.length > 64, "cubin of " + cubin.length + " bytes");
    assertArrayEquals(ELF_MAGIC, Arrays.copyOf(cubin, 4), "a CUBIN is an ELF file");
  }

  @Test
  void nameCarriesTheVersion() {
    assertTrue(Nvrtc.version().matches("12\\.\\d+"), Nvrtc.version());
    assertEquals("nvrtc-" + Nvrtc.version(), new Nvrtc().name());
  }

  @Test
  void aCompileErrorShowsTheLogAndTheNumberedLine() {
    String broken = BLOCK_SUM.replace("float v = i < n", "float v = i < undeclared_n");
    EmberException e =
        assertThrows(EmberException.class, () -> new Nvrtc().compile(broken, "sm_90", "broken.cu"));
    assertEquals(ErrorCode.KERNEL_COMPILE_FAILED, e.code());
    String m = e.getMessage();
    assertTrue(m.contains("broken.cu(5): error"), m);
    assertTrue(m.contains("undeclared_n"), m);
    assertTrue(m.contains("     5|   float v = i < undeclared_n"), m);
  }
}
