package dev.ember.executor.backend.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VectorGemm} against a product summed in double, on shapes that hit each edge of its
 * blocking: rows short of a kernel panel and of an MC block, columns short of a panel, k past one
 * KC block, both transposes, strided and offset operands, alpha and beta.
 */
class VectorGemmTest {
  private static final VectorGemm gemm = new VectorGemm(VectorGemm.Mode.KERNEL);
  private static final VectorGemm best = new VectorGemm();
  /** The same products before the kernel is compiled: OpenBLAS over the packed panels. */
  private static final VectorGemm fallback = new VectorGemm(VectorGemm.Mode.FALLBACK);

  @BeforeAll
  static void kernelCompiles() throws InterruptedException {
    assertTrue(best.awaitKernel(120_000), "the kernel never ran at compiled speed");
  }

  @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} alpha={5} beta={6}")
  @CsvSource({
      "1, 1, 1, false, false, 1, 0",
      "8, 32, 16, false, false, 1, 0",
      "7, 33, 5, false, false, 1, 0",
      "97, 70, 300, false, false, 1, 0",
      "130, 384, 384, false, false, 1, 0",
      "20, 20, 32, false, true, 0.125, 0",
      "21, 32, 19, true, false, 1, 0",
      "50, 45, 600, true, true, -0.5, 0",
      "33, 17, 257, false, false, 2, 1",
      "9, 40, 513, false, true, 1, 0.5",
  })
  void matchesADoubleProduct(int m, int n, int k, boolean transA, boolean transB, float alpha,
      float beta) {
    for (VectorGemm g : new VectorGemm[] {gemm, fallback, best}) {
      check(g, m, n, k, transA, transB, alpha, beta);
    }
  }

  private static void check(VectorGemm g, int m, int n, int k, boolean transA, boolean transB,
      float alpha, float beta) {
    Random r = new Random(m * 31L + n * 7L + k);
    int lda = (transA ? m : k) + 3;
    int ldb = (transB ? k : n) + 2;
    int ldc = n + 5;
    int aOff = 4;
    int bOff = 1;
    int cOff = 6;
    float[] a = random(r, aOff + (transA ? k : m) * lda);
    float[] b = random(r, bOff + (transB ? n : k) * ldb);
    float[] c = random(r, cOff + m * ldc + 3);
    float[] expected = c.clone();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int q = 0; q < k; q++) {
          double av = transA ? a[aOff + q * lda + i] : a[aOff + i * lda + q];
          double bv = transB ? b[bOff + j * ldb + q] : b[bOff + q * ldb + j];
          sum += av * bv;
        }
        int o = cOff + i * ldc + j;
        expected[o] = (float) (alpha * sum + (beta == 0f ? 0 : beta * c[o]));
      }
    }
    g.multiply(m, n, k, alpha, a, aOff, lda, transA, b, bOff, ldb, transB, beta, c, cOff, ldc);
    float tol = 1e-4f * (float) Math.sqrt(k);
    for (int i = 0; i < c.length; i++) {
      assertEquals(expected[i], c[i], tol * Math.max(1f, Math.abs(expected[i])),
          (g == fallback ? "fallback: " : g == best ? "best: " : "kernel: ") + "C element " + i
              + " (outside the matrix it must be untouched)");
    }
  }

  @Test
  void preparedWeightsGiveTheSameProductAndAreShared() {
    Random r = new Random(3);
    int m = 45;
    int k = 300;
    int n = 100;
    float[] a = random(r, m * k);
    float[] w = random(r, n * k);
    float[] viaPrepared = new float[m * n];
    float[] direct = new float[m * n];
    Gemm.Prepared p = gemm.prepare(w, k, n, true);
    assertSame(p, gemm.prepare(w, k, n, true), "variants of one model share packed weights");
    gemm.multiply(m, 1f, a, 0, k, false, p, 0f, viaPrepared, 0, n);
    gemm.multiply(m, n, k, 1f, a, 0, k, false, w, 0, k, true, 0f, direct, 0, n);
    assertTrue(Arrays.equals(direct, viaPrepared));
  }

  /**
   * Before the kernel runs, a prepared weight also has OpenBLAS's own copy, and its products run on
   * that copy in one call (the fallback mode is that state held); they agree with the products over
   * the packed panels.
   */
  @Test
  void weightsPreparedBeforeTheKernelRunsHaveACopyForOpenBlas() {
    Random r = new Random(4);
    int m = 37;
    int k = 300;
    int n = 70;
    float[] a = random(r, m * k);
    float[] w = random(r, k * n);
    VectorGemm.Packed p = (VectorGemm.Packed) fallback.prepare(w, k, n, false);
    assertNotNull(p.early, "a weight prepared before the kernel runs gets OpenBLAS's copy");
    float[] viaCopy = new float[m * n];
    float[] viaPanels = new float[m * n];
    fallback.multiply(m, 1f, a, 0, k, false, p, 0f, viaCopy, 0, n);
    fallback.multiply(m, n, k, 1f, a, 0, k, false, w, 0, n, false, 0f, viaPanels, 0, n);
    for (int i = 0; i < viaCopy.length; i++) {
      assertEquals(viaPanels[i], viaCopy[i], 1e-3f * Math.max(1f, Math.abs(viaPanels[i])),
          "element " + i);
    }
    float[] viaKernel = new float[m * n];
    gemm.multiply(m, 1f, a, 0, k, false, gemm.prepare(w, k, n, false), 0f, viaKernel, 0, n);
    assertNull(p.early, "the first product on the kernel drops the copy (weights are shared)");
  }

  @Test
  void betaZeroOverwritesNaN() {
    float[] c = new float[8 * 32];
    Arrays.fill(c, Float.NaN);
    gemm.multiply(8, 32, 4, 1f, new float[32], 0, 4, false, new float[128], 0, 32, false, 0f, c,
        0, 32);
    for (float v : c) {
      assertFalse(Float.isNaN(v), "beta 0 must not read C");
      assertEquals(0f, v);
    }
  }

  @Test
  void autoMeasuresItWhenTheModuleIsLoaded() {
    // Surefire starts the JVM with --add-modules=jdk.incubator.vector, as bin/ember does.
    assertTrue(GemmChoice.choose("auto", 1).gflops().containsKey("vector"),
        "vector GEMM not measured: " + GemmChoice.choose("auto", 1).unavailable());
  }

  private static float[] random(Random r, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    return x;
  }
}
