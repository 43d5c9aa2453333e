package dev.ember.executor.backend.cuda.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs small CUDA kernels on the host emulator and checks every value they write. */
class EmulatedDriverTest {
  private static final HostKernelCompiler COMPILER = new HostKernelCompiler();

  private static final String ADD = """
      extern "C" __global__ void axpy(const float* __restrict__ x, const float* __restrict__ y,
                                      float* __restrict__ out, float alpha, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) out[i] = alpha * x[i] + y[i];
      }
      """;

  private static final String BLOCK_SUM = """
      extern "C" __global__ void block_sum(const float* __restrict__ x, float* __restrict__ out,
                                           long long n) {
        __shared__ float partial[256];
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        partial[threadIdx.x] = i < n ? x[i] : 0.0f;
        __syncthreads();
        for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
          if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
          __syncthreads();
        }
        if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
      }
      """;

  private static final String WARP_MAX_SUM = """
      __device__ __forceinline__ float warp_sum(float v) {
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        return v;
      }
      // One warp per row: max and sum of the row, every lane ends with the same value.
      extern "C" __global__ void row_stats(const float* __restrict__ x, float* __restrict__ out,
                                           int rows, int cols) {
        int lane = threadIdx.x & 31;
        int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
        if (row >= rows) return;
        float m = -INFINITY, s = 0.0f;
        for (int c = lane; c < cols; c += 32) {
          m = fmaxf(m, x[row * cols + c]);
          s += x[row * cols + c];
        }
        for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
        s = warp_sum(s);
        out[row * 64 + lane] = m;
        out[row * 64 + 32 + lane] = s;
      }
      """;

  private static final String REVERSE = """
      extern "C" __global__ void reverse_blocks(const int* __restrict__ x, int* __restrict__ out) {
        extern __shared__ __align__(16) int tile[];
        unsigned int t = threadIdx.x, base = blockIdx.x * blockDim.x;
        tile[t] = x[base + t];
        __syncthreads();
        out[base + t] = tile[blockDim.x - 1 - t];
      }
      """;

  /** Writes n ints of dynamic shared memory, then counts per thread those that kept them. */
  private static final String FILL_SHARED = """
      extern "C" __global__ void fill_shared(int* __restrict__ out, int n) {
        extern __shared__ __align__(16) int all[];
        for (int i = threadIdx.x; i < n; i += blockDim.x) all[i] = i;
        __syncthreads();
        int kept = 0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) kept += all[n - 1 - i] == n - 1 - i;
        out[threadIdx.x] = kept;
      }
      """;

  private static final String PIPELINE = """
      extern "C" __global__ void scale(const float* __restrict__ x, float* __restrict__ y,
                                       float k, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) y[i] = k * x[i];
      }
      extern "C" __global__ void accumulate(const float* __restrict__ y, float* __restrict__ acc,
                                            int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) acc[i] += y[i] + 1.0f;
      }
      """;

  private static final String NO_BOUNDS_CHECK = """
      extern "C" __global__ void fill(float* __restrict__ out, float v) {
        out[blockIdx.x * blockDim.x + threadIdx.x] = v;
      }
      """;

  @BeforeAll
  static void needsGxx() {
    String why = HostKernelCompiler.unavailableReason();
    assumeTrue(why == null, "the host emulator needs g++: " + why);
  }

  @Test
  void vectorAddOver200Blocks() {
    int n = 200 * 256 - 17; // a partial last block
    float[] x = random(n, 1);
    float[] y = random(n, 2);
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object axpy = kernel(gpu, ADD, "axpy");
      long dx = upload(gpu, x);
      long dy = upload(gpu, y);
      long dout = gpu.alloc(4L * n);
      long start = System.nanoTime();
      gpu.launch(axpy, Dim3.of(200), Dim3.of(256), 0, new Object[] {dx, dy, dout, 2.5f, n});
      long ms = (System.nanoTime() - start) / 1_000_000;
      float[] out = download(gpu, dout, n);
      for (int i = 0; i < n; i++) {
        assertEquals(2.5f * x[i] + y[i], out[i], 0f, "out[" + i + "]");
      }
      assertEquals(1, gpu.launches());
      assertTrue(ms < 2000, "200 blocks of 256 threads took " + ms + " ms");
    }
  }

  @Test
  void blockReductionWithSharedMemoryAndBarriers() {
    int n = 200 * 256 - 100;
    float[] x = random(n, 3);
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object sum = kernel(gpu, BLOCK_SUM, "block_sum");
      long dx = upload(gpu, x);
      long dout = gpu.alloc(4L * 200);
      gpu.launch(sum, Dim3.of(200), Dim3.of(256), 0, new Object[] {dx, dout, (long) n});
      float[] out = download(gpu, dout, 200);
      for (int b = 0; b < 200; b++) {
        double expected = 0;
        for (int i = b * 256; i < Math.min(n, (b + 1) * 256); i++) {
          expected += x[i];
        }
        assertEquals(expected, out[b], 1e-4, "block " + b);
      }
    }
  }

  @Test
  void warpShuffleReductions() {
    int rows = 37;
    int cols = 100;
    float[] x = random(rows * cols, 4);
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object stats = kernel(gpu, WARP_MAX_SUM, "row_stats");
      long dx = upload(gpu, x);
      long dout = gpu.alloc(4L * rows * 64);
      // 4 warps a block; the last block has rows for only one of its warps.
      gpu.launch(stats, Dim3.of(10), Dim3.of(128), 0, new Object[] {dx, dout, rows, cols});
      float[] out = download(gpu, dout, rows * 64);
      for (int r = 0; r < rows; r++) {
        float max = Float.NEGATIVE_INFINITY;
        double sum = 0;
        for (int c = 0; c < cols; c++) {
          max = Math.max(max, x[r * cols + c]);
          sum += x[r * cols + c];
        }
        for (int lane = 0; lane < 32; lane++) {
          assertEquals(max, out[r * 64 + lane], 0f, "max of row " + r + " at lane " + lane);
          assertEquals(sum, out[r * 64 + 32 + lane], 1e-4, "sum of row " + r + " lane " + lane);
        }
      }
    }
  }

  @Test
  void dynamicSharedMemory() {
    int[] x = new int[6 * 96];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 7 + 1;
    }
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object reverse = kernel(gpu, REVERSE, "reverse_blocks");
      long dx = gpu.alloc(4L * x.length);
      ByteBuffer b = direct(4 * x.length);
      b.asIntBuffer().put(x);
      gpu.upload(dx, b);
      long dout = gpu.alloc(4L * x.length);
      gpu.launch(reverse, Dim3.of(6), Dim3.of(96), 96 * 4, new Object[] {dx, dout});
      ByteBuffer got = direct(4 * x.length);
      gpu.download(got, dout);
      int[] out = new int[x.length];
      got.asIntBuffer().get(out);
      int[] expected = new int[x.length];
      for (int blk = 0; blk < 6; blk++) {
        for (int t = 0; t < 96; t++) {
          expected[blk * 96 + t] = x[blk * 96 + 95 - t];
        }
      }
      assertArrayEquals(expected, out);
    }
  }

  /**
   * A block gets what its device lets it opt in to, as CUDA's launch does: 227 KiB on sm_90, the
   * whole of which a kernel can use; 163 KiB on sm_80; more fails the launch with the limit.
   */
  @Test
  void dynamicSharedMemoryUpToTheReportedDevicesLimit() {
    int ints = 227 * 1024 / 4;
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0)) {
      Object fill = kernel(hopper, FILL_SHARED, "fill_shared");
      long dout = hopper.alloc(4L * 256);
      hopper.launch(fill, Dim3.of(1), Dim3.of(256), 4 * ints, new Object[] {dout, ints});
      int[] counts = new int[256];
      ByteBuffer got = direct(4 * 256);
      hopper.download(got, dout);
      got.asIntBuffer().get(counts);
      assertEquals(ints, Arrays.stream(counts).sum(), "every int of the 227 KiB kept its value");
      EmberException e = assertThrows(EmberException.class, () -> hopper.launch(fill,
          Dim3.of(1), Dim3.of(256), 4 * ints + 4, new Object[] {dout, ints + 1}));
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("on sm_90 (232448)"), e.getMessage());
    }
    try (EmulatedDriver ampere = new EmulatedDriver()) {
      Object fill = kernel(ampere, FILL_SHARED, "fill_shared");
      long dout = ampere.alloc(4L * 256);
      EmberException e = assertThrows(EmberException.class, () -> ampere.launch(fill,
          Dim3.of(1), Dim3.of(256), 164 * 1024, new Object[] {dout, 164 * 256}));
      assertTrue(e.getMessage().contains("on sm_80 (166912)"), e.getMessage());
    }
  }

  @Test
  void captureRecordsAndReplayRerunsOnNewInputs() {
    int n = 1000;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Map<String, Object> k = gpu.load(
          COMPILER.compile(PIPELINE, "sm_80", "pipeline.cu"), List.of("scale", "accumulate"));
      long dx = upload(gpu, random(n, 5));
      long dy = gpu.alloc(4L * n);
      long acc = upload(gpu, filled(n, 42f));
      Dim3 grid = Dim3.of((n + 127) / 128);
      gpu.beginCapture();
      gpu.zero(acc, 4L * n);
      gpu.launch(k.get("scale"), grid, Dim3.of(128), 0, new Object[] {dx, dy, 3f, n});
      gpu.launch(k.get("accumulate"), grid, Dim3.of(128), 0, new Object[] {dy, acc, n});
      gpu.launch(k.get("accumulate"), grid, Dim3.of(128), 0, new Object[] {dy, acc, n});
      assertThrows(IllegalStateException.class, () -> gpu.upload(dx, direct(4)));
      assertThrows(IllegalStateException.class, () -> gpu.download(direct(4), dx));
      assertThrows(IllegalStateException.class, gpu::synchronize);
      EmulatedDriver.Graph graph = (EmulatedDriver.Graph) gpu.endCapture();
      assertEquals(3, graph.kernelCount());
      assertEquals(0, gpu.launches(), "capture must not run kernels");
      assertArrayEquals(filled(n, 42f), download(gpu, acc, n), "capture must not run the memset");

      for (int round = 0; round < 2; round++) {
        float[] x = random(n, 10 + round);
        gpu.upload(dx, floats(x));
        gpu.replay(graph);
        float[] got = download(gpu, acc, n);
        for (int i = 0; i < n; i++) {
          assertEquals(2 * (3f * x[i] + 1f), got[i], 1e-5f, "round " + round + " acc[" + i + "]");
        }
      }
      assertEquals(2, gpu.replays());
      assertEquals(0, gpu.launches());
      gpu.destroyGraph(graph);
      assertThrows(IllegalStateException.class, () -> gpu.replay(graph));
    }
  }

  @Test
  void outOfBoundsWriteFailsNamingKernelAndAllocation() {
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object fill = kernel(gpu, NO_BOUNDS_CHECK, "fill");
      long out = gpu.alloc(4L * 1000); // 4 blocks of 256 write 1024 floats
      EmberException e = assertThrows(EmberException.class, () ->
          gpu.launch(fill, Dim3.of(4), Dim3.of(256), 0, new Object[] {out, 1f}));
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("kernel 'fill'"), e.getMessage());
      assertTrue(e.getMessage().contains("SIGSEGV"), e.getMessage());
      assertTrue(e.getMessage().contains("past the end of the 4000-byte allocation"),
          e.getMessage());
      EmberException sticky = assertThrows(EmberException.class, () -> gpu.alloc(16));
      assertTrue(sticky.getMessage().contains("failed earlier"), sticky.getMessage());
    }
  }

  @Test
  void twoDriversAtOnceKeepTheirOwnMemory() {
    int n = 5000;
    float[] x1 = random(n, 20);
    float[] x2 = random(n, 21);
    try (EmulatedDriver a = new EmulatedDriver(); EmulatedDriver b = new EmulatedDriver()) {
      Object addA = kernel(a, ADD, "axpy");
      Object addB = kernel(b, ADD, "axpy");
      long ax = upload(a, x1);
      long bx = upload(b, x2);
      long aout = a.alloc(4L * n);
      long bout = b.alloc(4L * n);
      Dim3 grid = Dim3.of((n + 255) / 256);
      a.launch(addA, grid, Dim3.of(256), 0, new Object[] {ax, ax, aout, 1f, n});
      b.launch(addB, grid, Dim3.of(256), 0, new Object[] {bx, bx, bout, -1f, n});
      float[] outA = download(a, aout, n);
      float[] outB = download(b, bout, n);
      for (int i = 0; i < n; i++) {
        assertEquals(2 * x1[i], outA[i], 0f);
        assertEquals(0f, outB[i], 0f);
      }
      EmberException e = assertThrows(EmberException.class, () ->
          b.launch(addB, grid, Dim3.of(256), 0, new Object[] {ax, bx, bout, 1f, n}));
      assertTrue(e.getMessage().contains("outside this device's memory"), e.getMessage());
    }
  }

  @Test
  void threeDimensionalCoordinates() {
    String src = """
        extern "C" __global__ void coords(int* out) {
          int x = blockIdx.x * blockDim.x + threadIdx.x;
          int y = blockIdx.y * blockDim.y + threadIdx.y;
          int z = blockIdx.z * blockDim.z + threadIdx.z;
          int w = gridDim.x * blockDim.x, h = gridDim.y * blockDim.y;
          out[(z * h + y) * w + x] = x + 100 * y + 10000 * z;
        }
        """;
    int w = 3 * 8;
    int h = 2 * 4;
    int d = 2 * 2;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = kernel(gpu, src, "coords");
      long out = gpu.alloc(4L * w * h * d);
      gpu.launch(k, Dim3.of(3, 2, 2), Dim3.of(8, 4, 2), 0, new Object[] {out});
      ByteBuffer got = direct(4 * w * h * d);
      gpu.download(got, out);
      for (int z = 0; z < d; z++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            assertEquals(x + 100 * y + 10000 * z, got.getInt(4 * ((z * h + y) * w + x)));
          }
        }
      }
    }
  }

  @Test
  void compileErrorsCarryTheLogAndTheLine() {
    String bad = "extern \"C\" __global__ void k(float* out) {\n  out[0] = undefined_name;\n}\n";
    EmberException e = assertThrows(EmberException.class,
        () -> COMPILER.compile(bad, "sm_80", "bad.cu"));
    assertEquals(ErrorCode.KERNEL_COMPILE_FAILED, e.code());
    assertTrue(e.getMessage().contains("bad.cu:2:"), e.getMessage());
    assertTrue(e.getMessage().contains("     2|   out[0] = undefined_name;"), e.getMessage());
    EmberException ptx = assertThrows(EmberException.class, () -> COMPILER.compile(
        "extern \"C\" __global__ void k() { asm volatile(\"mma.sync\"); }", "sm_80", "mma.cu"));
    assertTrue(ptx.getMessage().contains("inline PTX"), ptx.getMessage());
  }

  @Test
  void shuffleAfterSomeLanesReturnedIsReportedNotHung() {
    String src = """
        extern "C" __global__ void early_exit(float* out, int n) {
          int i = threadIdx.x;
          if (i >= n) return;
          float v = __shfl_xor_sync(0xffffffffu, 1.0f, 1);
          out[i] = v;
        }
        """;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = kernel(gpu, src, "early_exit");
      long out = gpu.alloc(4L * 32);
      EmberException e = assertThrows(EmberException.class, () ->
          gpu.launch(k, Dim3.of(1), Dim3.of(32), 0, new Object[] {out, 20}));
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("already returned"), e.getMessage());
      gpu.launch(k, Dim3.of(1), Dim3.of(32), 0, new Object[] {out, 32}); // still usable
      assertArrayEquals(filled(32, 1f), download(gpu, out, 32));
    }
  }

  /**
   * A barrier after some threads have returned completes among those still running, as on a
   * GPU (a warp-specialised kernel's producer returns first): the returned ones are not resumed.
   */
  @Test
  void barrierAfterSomeThreadsReturnedCountsTheRest() {
    String src = """
        extern "C" __global__ void rest(float* out) {
          __shared__ float s[64];
          const int i = threadIdx.x;
          if (i < 32) return;
          s[i - 32] = (float) i;
          __syncthreads();
          out[i] = s[95 - i];  // written by thread 127 - i
        }
        """;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = kernel(gpu, src, "rest");
      long out = gpu.alloc(4L * 96);
      gpu.launch(k, Dim3.of(3), Dim3.of(96), 0, new Object[] {out});
      float[] got = download(gpu, out, 96);
      for (int i = 32; i < 96; i++) {
        assertEquals(127 - i, got[i], "thread " + i);
      }
    }
  }

  private static Object kernel(EmulatedDriver gpu, String source, String name) {
    byte[] image = COMPILER.compile(source, gpu.device().arch(), name + ".cu");
    return gpu.load(image, List.of(name)).get(name);
  }

  private static long upload(EmulatedDriver gpu, float[] values) {
    long p = gpu.alloc(4L * values.length);
    gpu.upload(p, floats(values));
    return p;
  }

  private static float[] download(EmulatedDriver gpu, long src, int n) {
    ByteBuffer b = direct(4 * n);
    gpu.download(b, src);
    float[] out = new float[n];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static ByteBuffer floats(float[] values) {
    ByteBuffer b = direct(4 * values.length);
    b.asFloatBuffer().put(values);
    return b;
  }

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextFloat() * 2 - 1;
    }
    return out;
  }

  private static float[] filled(int n, float v) {
    float[] out = new float[n];
    Arrays.fill(out, v);
    return out;
  }
}
