package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every GEMM implementation against a float64 CPU product on a real device: odd sizes, transposed
 * and broadcast strides, batches, bias and a padded ldc (whose padding must stay untouched).
 * Skips without a CUDA device. {@link #measureTflops} is the micro-benchmark for device checks.
 */
@Tag("gpu")
class GemmGpuTest {
  private static GpuDriver driver;

  @BeforeAll
  static void openDevice() {
    assumeTrue(cudaDevices() > 0, "requires a CUDA device");
    driver = openDriver();
  }

  @AfterAll
  static void closeDevice() {
    if (driver != null) {
      driver.close();
    }
  }

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void generatedMatchesCpu(GemmPrecision p) {
    try (GpuGemm g = new GeneratedGemm(driver, new Nvrtc(), p)) {
      GemmShape tiny = GemmShape.rowMajor(1, 1, 1, 1);
      assumeTrue(g.supports(tiny), () -> g.whyNot(tiny));
      checkAll(g, p);
    }
  }

  @ParameterizedTest
  @EnumSource(GemmPrecision.class)
  void cublasMatchesCpu(GemmPrecision p) {
    assumeTrue(CublasGemm.unavailableReason() == null, CublasGemm::unavailableReason);
    try (GpuGemm g = new CublasGemm((JCudaDriver) driver, new Nvrtc(), p)) {
      checkAll(g, p);
    }
  }

  /** Prints TFLOP/s of each GEMM on a large square product (for device-check logs). */
  @Test
  @Tag("slow")
  void benchmark() {
    GemmShape s = GemmShape.rowMajor(1, 4096, 4096, 4096);
    List<GpuGemm> gemms = new ArrayList<>();
    for (GemmPrecision p : GemmPrecision.values()) {
      gemms.add(new GeneratedGemm(driver, new Nvrtc(), p));
      if (CublasGemm.unavailableReason() == null) {
        gemms.add(new CublasGemm((JCudaDriver) driver, new Nvrtc(), p));
      }
    }
    for (GpuGemm g : gemms) {
      System.out.printf("%s %s 4096^3: %.1f TFLOP/s%n", driver.device(), g.name(),
          measureTflops(g, driver, s, 20));
      g.close();
    }
  }

  /**
   * Average TFLOP/s of {@code iters} back-to-back launches of {@code g} on {@code s} with random
   * data, after one warm-up launch (which also compiles).
   */
  static double measureTflops(GpuGemm g, GpuDriver d, GemmShape s, int iters) {
    Buffers buf = Buffers.random(d, s, 7);
    try {
      g.enqueue(s, buf.a, buf.b, buf.c, buf.bias);
      d.synchronize();
      long start = System.nanoTime();
      for (int i = 0; i < iters; i++) {
        g.enqueue(s, buf.a, buf.b, buf.c, buf.bias);
      }
      d.synchronize();
      double seconds = (System.nanoTime() - start) / 1e9;
      return s.flops() * iters / seconds / 1e12;
    } finally {
      buf.free(d);
    }
  }

  private static void checkAll(GpuGemm g, GemmPrecision p) {
    double tol = switch (p) {
      case FP32 -> 1e-4;
      case TF32, FP16 -> 2e-3;
      case BF16 -> 1e-2;
    };
    int seed = 0;
    for (GemmShape s : shapes()) {
      if (!g.supports(s)) {
        System.out.println(g.name() + " skips " + s + ": " + g.whyNot(s));
        continue;
      }
      Buffers buf = Buffers.random(driver, s, seed++);
      try {
        g.enqueue(s, buf.a, buf.b, buf.c, buf.bias);
        float[] got = buf.downloadC(driver);
        String err = buf.compare(s, got, tol);
        assertTrue(err == null, g.name() + " on " + s + ": " + err);
      } finally {
        buf.free(driver);
      }
    }
  }

  private static List<GemmShape> shapes() {
    List<GemmShape> s = new ArrayList<>();
    s.add(GemmShape.rowMajor(1, 1, 1, 1));
    s.add(GemmShape.rowMajor(1, 17, 23, 19));
    s.add(GemmShape.rowMajor(2, 130, 70, 45));
    s.add(GemmShape.rowMajor(1, 256, 384, 1000));
    // A transposed ([k, m] in memory), B transposed ([n, k]), padded ldc, row bias.
    s.add(new GemmShape(1, 67, 129, 33, 0, 1, 67, 0, 1, 33, 0, 131, 1f, 0f, false, 0, 0));
    s.add(new GemmShape(3, 65, 31, 40, 65 * 40, 40, 1, 40 * 31, 1, 40, 65 * 36, 36, 0.5f, 2f,
        true, 0, 1));
    // Shared B across the batch, per-row bias, full bias matrix.
    s.add(new GemmShape(2, 33, 47, 129, 33 * 129, 129, 1, 0, 47, 1, 33 * 47, 47, 1f, 1f, true,
        1, 0));
    s.add(new GemmShape(1, 200, 96, 64, 0, 64, 1, 0, 96, 1, 0, 96, 1.5f, -1f, true, 96, 1));
    return s;
  }

  static int cudaDevices() {
    try {
      int[] n = {0};
      return jcuda.runtime.JCuda.cudaGetDeviceCount(n) == 0 ? n[0] : 0;
    } catch (LinkageError e) {
      return 0;
    }
  }

  private static GpuDriver openDriver() {
    return new JCudaDriver(0);
  }


  /** Device copies of one shape's operands, with the host data for the reference. */
  private record Buffers(float[] ha, float[] hb, float[] hbias, float[] hc, long a, long b,
      long c, long bias) {
    static Buffers random(GpuDriver d, GemmShape s, long seed) {
      Random rnd = new Random(seed);
      float[] ha = uniform(rnd, extent(s.batch(), s.aBatch(), s.m(), s.aRow(), s.k(), s.aCol()));
      float[] hb = uniform(rnd, extent(s.batch(), s.bBatch(), s.k(), s.bRow(), s.n(), s.bCol()));
      float[] hbias = s.hasBias()
          ? uniform(rnd, extent(1, 0, s.m(), s.biasRow(), s.n(), s.biasCol())) : new float[0];
      float[] hc = new float[(int) extent(s.batch(), s.cBatch(), s.m(), s.ldc(), s.n(), 1)];
      java.util.Arrays.fill(hc, Float.NaN); // padding must stay NaN
      return new Buffers(ha, hb, hbias, hc, upload(d, ha), upload(d, hb),
          upload(d, hc), s.hasBias() ? upload(d, hbias) : 0L);
    }

    float[] downloadC(GpuDriver d) {
      ByteBuffer out = ByteBuffer.allocateDirect(hc.length * 4).order(ByteOrder.nativeOrder());
      d.download(out, c);
      float[] got = new float[hc.length];
      out.asFloatBuffer().get(got);
      return got;
    }

    /** Null when every output is within {@code tol} of sum |a b| + |bias|, else the first miss. */
    String compare(GemmShape s, float[] got, double tol) {
      boolean[] written = new boolean[got.length];
      for (int z = 0; z < s.batch(); z++) {
        for (int i = 0; i < s.m(); i++) {
          for (int j = 0; j < s.n(); j++) {
            double sum = 0;
            double mag = 0;
            for (int p = 0; p < s.k(); p++) {
              double x = ha[(int) (z * s.aBatch() + (long) i * s.aRow() + (long) p * s.aCol())];
              double y = hb[(int) (z * s.bBatch() + (long) p * s.bRow() + (long) j * s.bCol())];
              sum += x * y;
              mag += Math.abs(x * y);
            }
            double want = s.alpha() * sum;
            mag = Math.abs(s.alpha()) * mag;
            if (s.hasBias()) {
              double bv = s.beta() * hbias[i * s.biasRow() + j * s.biasCol()];
              want += bv;
              mag += Math.abs(bv);
            }
            int at = (int) (z * s.cBatch() + (long) i * s.ldc() + j);
            written[at] = true;
            if (!(Math.abs(got[at] - want) <= tol * mag + 1e-6)) {
              return "C[" + z + "][" + i + "][" + j + "] = " + got[at] + ", want " + want
                  + " (tolerance " + tol + " x " + mag + ")";
            }
          }
        }
      }
      for (int at = 0; at < got.length; at++) {
        if (!written[at] && !Float.isNaN(got[at])) {
          return "wrote padding element " + at + " = " + got[at];
        }
      }
      return null;
    }

    void free(GpuDriver d) {
      for (long ptr : new long[] {a, b, c, bias}) {
        if (ptr != 0) {
          d.free(ptr);
        }
      }
    }

    /** Elements spanned by a [batch, rows, cols] operand with these strides (all >= 0). */
    private static long extent(int batch, long batchStride, int rows, int rowStride, int cols,
        int colStride) {
      return (batch - 1) * batchStride + (long) (rows - 1) * rowStride
          + (long) (cols - 1) * colStride + 1;
    }

    private static float[] uniform(Random rnd, long n) {
      float[] x = new float[(int) n];
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextFloat() * 2 - 1;
      }
      return x;
    }

    private static long upload(GpuDriver d, float[] host) {
      long ptr = d.alloc(host.length * 4L);
      ByteBuffer bytes = ByteBuffer.allocateDirect(host.length * 4).order(ByteOrder.nativeOrder());
      FloatBuffer fb = bytes.asFloatBuffer();
      fb.put(host);
      d.upload(ptr, bytes);
      return ptr;
    }
  }
}
