package dev.ember.executor.backend.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register block of {@link VectorGemm}: {@value #ROWS} rows of C by two vectors, held in
 * 16 vector registers over {@code kc} steps of k (about 200 GFLOP/s on one AVX-512 core). Written
 * out one line per register, in one method: C2 keeps Vector API values in registers only when
 * it sees all of them in one compiled body. A loop over an array of vectors, or a helper that
 * takes vectors as arguments and is not inlined, boxes them on the heap (measured 16 GFLOP/s).
 * Loaded only when the JVM has jdk.incubator.vector.
 */
final class VectorKernel {
  static final int ROWS = 8;
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** Columns of C one call writes: two vectors. */
  int width() {
    return 2 * S.length();
  }

  /**
   * C[ROWS x width] = alpha * A B + beta * C. A's element (i, kk) is at
   * {@code aOff + i * rowStride + kk}: rows of A in place or packed. B is a packed panel: step
   * kk's width values at {@code bOff + kk * width}.
   * With beta = 0, C is not read.
   */
  void multiply(int kc, float[] pa, int aOff, int rowStride, float[] pb, int bOff,
      float alpha, float beta, float[] c, int cOff, int ldc) {
    int lanes = S.length();
    int w = 2 * lanes;
    int r1 = 1 * rowStride;
    int r2 = 2 * rowStride;
    int r3 = 3 * rowStride;
    int r4 = 4 * rowStride;
    int r5 = 5 * rowStride;
    int r6 = 6 * rowStride;
    int r7 = 7 * rowStride;
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S);
    FloatVector c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S);
    FloatVector c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S);
    FloatVector c31 = FloatVector.zero(S);
    FloatVector c40 = FloatVector.zero(S);
    FloatVector c41 = FloatVector.zero(S);
    FloatVector c50 = FloatVector.zero(S);
    FloatVector c51 = FloatVector.zero(S);
    FloatVector c60 = FloatVector.zero(S);
    FloatVector c61 = FloatVector.zero(S);
    FloatVector c70 = FloatVector.zero(S);
    FloatVector c71 = FloatVector.zero(S);
    for (int kk = 0; kk < kc; kk++) {
      int bo = bOff + kk * w;
      FloatVector b0 = FloatVector.fromArray(S, pb, bo);
      FloatVector b1 = FloatVector.fromArray(S, pb, bo + lanes);
      int ao = aOff + kk;
      FloatVector a;
      a = FloatVector.broadcast(S, pa[ao]);
      c00 = b0.fma(a, c00);
      c01 = b1.fma(a, c01);
      a = FloatVector.broadcast(S, pa[ao + r1]);
      c10 = b0.fma(a, c10);
      c11 = b1.fma(a, c11);
      a = FloatVector.broadcast(S, pa[ao + r2]);
      c20 = b0.fma(a, c20);
      c21 = b1.fma(a, c21);
      a = FloatVector.broadcast(S, pa[ao + r3]);
      c30 = b0.fma(a, c30);
      c31 = b1.fma(a, c31);
      a = FloatVector.broadcast(S, pa[ao + r4]);
      c40 = b0.fma(a, c40);
      c41 = b1.fma(a, c41);
      a = FloatVector.broadcast(S, pa[ao + r5]);
      c50 = b0.fma(a, c50);
      c51 = b1.fma(a, c51);
      a = FloatVector.broadcast(S, pa[ao + r6]);
      c60 = b0.fma(a, c60);
      c61 = b1.fma(a, c61);
      a = FloatVector.broadcast(S, pa[ao + r7]);
      c70 = b0.fma(a, c70);
      c71 = b1.fma(a, c71);
    }
    int o0 = cOff;
    int o1 = o0 + ldc;
    int o2 = o1 + ldc;
    int o3 = o2 + ldc;
    int o4 = o3 + ldc;
    int o5 = o4 + ldc;
    int o6 = o5 + ldc;
    int o7 = o6 + ldc;
    FloatVector va = FloatVector.broadcast(S, alpha);
    c00 = c00.mul(va);
    c01 = c01.mul(va);
    c10 = c10.mul(va);
    c11 = c11.mul(va);
    c20 = c20.mul(va);
    c21 = c21.mul(va);
    c30 = c30.mul(va);
    c31 = c31.mul(va);
    c40 = c40.mul(va);
    c41 = c41.mul(va);
    c50 = c50.mul(va);
    c51 = c51.mul(va);
    c60 = c60.mul(va);
    c61 = c61.mul(va);
    c70 = c70.mul(va);
    c71 = c71.mul(va);
    if (beta != 0f) {
      FloatVector vb = FloatVector.broadcast(S, beta);
      c00 = c00.add(FloatVector.fromArray(S, c, o0).mul(vb));
      c01 = c01.add(FloatVector.fromArray(S, c, o0 + lanes).mul(vb));
      c10 = c10.add(FloatVector.fromArray(S, c, o1).mul(vb));
      c11 = c11.add(FloatVector.fromArray(S, c, o1 + lanes).mul(vb));
      c20 = c20.add(FloatVector.fromArray(S, c, o2).mul(vb));
      c21 = c21.add(FloatVector.fromArray(S, c, o2 + lanes).mul(vb));
      c30 = c30.add(FloatVector.fromArray(S, c, o3).mul(vb));
      c31 = c31.add(FloatVector.fromArray(S, c, o3 + lanes).mul(vb));
      c40 = c40.add(FloatVector.fromArray(S, c, o4).mul(vb));
      c41 = c41.add(FloatVector.fromArray(S, c, o4 + lanes).mul(vb));
      c50 = c50.add(FloatVector.fromArray(S, c, o5).mul(vb));
      c51 = c51.add(FloatVector.fromArray(S, c, o5 + lanes).mul(vb));
      c60 = c60.add(FloatVector.fromArray(S, c, o6).mul(vb));
      c61 = c61.add(FloatVector.fromArray(S, c, o6 + lanes).mul(vb));
      c70 = c70.add(FloatVector.fromArray(S, c, o7).mul(vb));
      c71 = c71.add(FloatVector.fromArray(S, c, o7 + lanes).mul(vb));
    }
    c00.intoArray(c, o0);
    c01.intoArray(c, o0 + lanes);
    c10.intoArray(c, o1);
    c11.intoArray(c, o1 + lanes);
    c20.intoArray(c, o2);
    c21.intoArray(c, o2 + lanes);
    c30.intoArray(c, o3);
    c31.intoArray(c, o3 + lanes);
    c40.intoArray(c, o4);
    c41.intoArray(c, o4 + lanes);
    c50.intoArray(c, o5);
    c51.intoArray(c, o5 + lanes);
    c60.intoArray(c, o6);
    c61.intoArray(c, o6 + lanes);
    c70.intoArray(c, o7);
    c71.intoArray(c, o7 + lanes);
  }
}
