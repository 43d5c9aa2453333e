package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.cpu.gemm.Gemm;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.quant.MatMulIntegerToFloatOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * MatMulInteger of 8-bit operands on the backend's float GEMM, exactly. The reference kernel
 * multiplies in int32 on the JVM, which no JIT turns into int8 dot products; the float GEMM
 * (OpenBLAS) is several times faster, and it is exact here: every shifted operand is an integer
 * of at most 255 in magnitude, so products are exact floats, and K is cut into chunks short
 * enough that any partial sum, in any order, stays below 2^24 where floats hold every integer.
 * Each chunk's result is converted back to int and added in wrapping int32, as ONNX accumulates.
 *
 * <p>Takes the common shape of quantized linear layers: A of rank 2 or more with one zero point,
 * B a 2-D weight with one zero point or one per column. B is shifted, converted and prepared
 * once per weight array and shared by every variant of the model; other shapes return null and
 * run on the reference kernel.
 */
final class QuantizedMatMul {
  /** Largest integer below which every float is exact. */
  private static final long EXACT = 1L << 24;

  /** Prepared weights by the identity of B's data; weak, so a dropped model frees them. */
  private static final Map<long[], List<Weights>> WEIGHTS = new WeakHashMap<>();

  private final Gemm gemm;
  /** MatMulIntegerToFloat: the product as floats rather than int32. */
  private final boolean toFloat;

  private QuantizedMatMul(Gemm gemm, boolean toFloat) {
    this.gemm = gemm;
    this.toFloat = toFloat;
  }

  /** The fast kernel for {@code node}, or null when it is neither product. */
  static QuantizedMatMul forNode(Node node, Gemm gemm) {
    boolean onnxDomain = node.domain().isEmpty() || node.domain().equals("ai.onnx");
    if (onnxDomain && node.opType().equals("MatMulInteger")) {
      return new QuantizedMatMul(gemm, false);
    }
    boolean fused = node.domain().equals(MatMulIntegerToFloatOp.DOMAIN)
        && node.opType().equals(MatMulIntegerToFloatOp.TYPE);
    return fused ? new QuantizedMatMul(gemm, true) : null;
  }

  /** The int32 product, or null when these inputs are not the shape this kernel takes. */
  Tensor[] run(Tensor[] in) {
    Tensor a = in[0];
    Tensor b = in[1];
    Tensor aZp = in.length > 2 ? in[2] : null;
    Tensor bZp = in.length > 3 ? in[3] : null;
    if (!isByte(a) || !isByte(b) || b.shape().length != 2 || a.shape().length < 2
        || aZp != null && (aZp.size() != 1 || aZp.dtype() != a.dtype())
        || bZp != null && bZp.dtype() != b.dtype() && bZp.size() > 0) {
      return null;
    }
    int[] as = a.shape();
    int k = as[as.length - 1];
    int n = b.shape()[1];
    if (b.shape()[0] != k) {
      return null; // the reference kernel names the mismatch
    }
    long[] bZero = bZp == null ? new long[] {0} : bZp.rawLongs();
    if (bZero.length != 1 && (bZero.length != n || bZp.shape()[bZp.shape().length - 1] != n)) {
      return null;
    }
    int aZero = aZp == null ? 0 : (int) aZp.rawLongs()[0];
    long aBound = a.dtype() == DType.UINT8
        ? Math.max(aZero, 255 - aZero)
        : Math.max(Math.abs(-128 - aZero), Math.abs(127 - aZero));
    Weights w = weights(b.rawLongs(), bZero, k, n);
    int chunk = (int) Math.min(k, (EXACT - 1) / Math.max(1, aBound * w.maxAbs));
    long rowsL = a.size() / k;
    int m = Math.toIntExact(rowsL);
    long[] av = a.rawLongs();
    float[] part = new float[m * n];
    int[] out = Arrays.copyOf(as, as.length);
    out[out.length - 1] = n;
    if (chunk >= k) { // one product: its floats are the int32 values, exactly
      float[] af = shifted(av, aZero, m, k, 0, k);
      gemm.multiply(m, 1f, af, 0, k, false, w.chunk(gemm, 0, 0, k, chunk), 0f, part, 0, n);
      return new Tensor[] {toFloat ? Tensor.ofFloats(out, part) : ints(out, part)};
    }
    int[] sum = new int[m * n];
    for (int p0 = 0, c = 0; p0 < k; p0 += chunk, c++) {
      int kc = Math.min(chunk, k - p0);
      // Each chunk's columns of A packed densely: some GEMMs check lda * m against the array.
      float[] ac = shifted(av, aZero, m, k, p0, kc);
      gemm.multiply(m, 1f, ac, 0, kc, false, w.chunk(gemm, c, p0, kc, chunk), 0f, part, 0, n);
      for (int i = 0; i < part.length; i++) {
        sum[i] += (int) part[i]; // int32 wrap-around, as ONNX accumulates
      }
    }
    if (toFloat) {
      for (int i = 0; i < sum.length; i++) {
        part[i] = sum[i]; // then Cast to float
      }
      return new Tensor[] {Tensor.ofFloats(out, part)};
    }
    long[] y = new long[sum.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = sum[i];
    }
    return new Tensor[] {Tensor.ofLongs(DType.INT32, out, y)};
  }

  private static Tensor ints(int[] shape, float[] exact) {
    long[] y = new long[exact.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = (long) exact[i];
    }
    return Tensor.ofLongs(DType.INT32, shape, y);
  }

  private static boolean isByte(Tensor t) {
    return t.dtype() == DType.UINT8 || t.dtype() == DType.INT8;
  }

  /** Columns {@code [p0, p0 + kc)} of the m x k matrix v, minus {@code zero}, as floats. */
  private static float[] shifted(long[] v, int zero, int m, int k, int p0, int kc) {
    float[] f = new float[m * kc];
    for (int i = 0; i < m; i++) {
      int from = i * k + p0;
      int to = i * kc;
      for (int p = 0; p < kc; p++) {
        f[to + p] = (int) v[from + p] - zero;
      }
    }
    return f;
  }

  private static Weights weights(long[] b, long[] zero, int k, int n) {
    synchronized (WEIGHTS) {
      List<Weights> known = WEIGHTS.computeIfAbsent(b, x -> new ArrayList<>(1));
      for (Weights w : known) {
        if (Arrays.equals(w.zero, zero)) {
          return w;
        }
      }
      Weights w = new Weights(b, zero, k, n);
      known.add(w);
      return w;
    }
  }

  /** B minus its zero points, as floats, prepared per K chunk on first use. */
  private static final class Weights {
    final long[] zero;
    final float[] f;
    final int k;
    final int n;
    final long maxAbs;
    private final Map<String, Gemm.Prepared> chunks = new java.util.HashMap<>();

    Weights(long[] b, long[] zero, int k, int n) {
      this.zero = zero.clone();
      this.k = k;
      this.n = n;
      this.f = new float[k * n];
      long max = 0;
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          long v = b[p * n + j] - zero[zero.length == 1 ? 0 : j];
          f[p * n + j] = v;
          max = Math.max(max, Math.abs(v));
        }
      }
      this.maxAbs = max;
    }

    /** Rows {@code [p0, p0 + kc)} of B, prepared; one entry per (GEMM, chunk length, index). */
    synchronized Gemm.Prepared chunk(Gemm gemm, int index, int p0, int kc, int chunk) {
      String key = gemm.name() + "/" + chunk + "/" + index;
      Gemm.Prepared p = chunks.get(key);
      if (p == null) {
        float[] rows = p0 == 0 && kc == k ? f : Arrays.copyOfRange(f, p0 * n, (p0 + kc) * n);
        p = gemm.prepare(rows, kc, n, false);
        chunks.put(key, p);
      }
      return p;
    }
  }
}
