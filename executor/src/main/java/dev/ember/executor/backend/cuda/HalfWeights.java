package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.Half;
import java.nio.ByteBuffer;
import java.util.function.LongToDoubleFunction;

/**
 * A GEMM's B as the fp16 and bf16 routes that read it in 16 bits take it: B^T, [N, K], each row
 * contiguous along K and padded with zeros to a multiple of 8 elements, so that every row starts
 * on 16 bytes and a 16-byte copy never reads past its row. Only a B that is the same for every
 * call can be stored so: a weight, converted once per device ({@link CudaDevice#halfWeight}), the
 * way torch's autocast keeps a half copy of each weight. Read in 16 bits, a slice of B takes half
 * the bytes to copy and no rounding on the tensor cores' side of the pipeline.
 *
 * <p>Rounding happens once here, to nearest even, as {@code cvt.rn} rounds it on the device, so
 * the products equal those of a route that rounds B as it reads it.
 */
final class HalfWeights {
  private HalfWeights() {}

  /**
   * Null when a route may read {@code s}'s B in 16 bits at {@code p}, else why not: fp16 or bf16,
   * and B a weight ({@code bBatch} 0, as {@link CudaCodegen} gives weights: one matrix for every
   * batch and every call).
   */
  static String whyNot(GemmPrecision p, GemmShape s) {
    if (p != GemmPrecision.FP16 && p != GemmPrecision.BF16) {
      return "B in 16 bits is fp16 or bf16, not " + p.confName();
    }
    if (s.bBatch() != 0) {
      return "B is not a weight (it has a batch stride), so it cannot be converted once";
    }
    return null;
  }

  /** Elements between rows of the B^T copy: K rounded up to a multiple of 8 (16 bytes). */
  static int rowStride(int k) {
    return (k + 7) / 8 * 8;
  }

  /** Bytes of the copy of {@code s}'s B. */
  static long bytes(GemmShape s) {
    return 2L * s.n() * rowStride(s.k());
  }

  /** {@code s} as a kernel reading the copy addresses B: element (k, n) at {@code n * ld + k}. */
  static GemmShape kernelShape(GemmShape s) {
    return new GemmShape(s.batch(), s.m(), s.n(), s.k(), s.aBatch(), s.aRow(), s.aCol(), 0, 1,
        rowStride(s.k()), s.cBatch(), s.ldc(), s.alpha(), s.beta(), s.hasBias(), s.biasRow(),
        s.biasCol(), s.epilogue());
  }

  /**
   * The copy of {@code s}'s B in little-endian device bytes, where {@code b} gives B's float32
   * element at an element index from B's start ({@code k * bRow + n * bCol}).
   */
  static ByteBuffer convert(GemmShape s, GemmPrecision p, LongToDoubleFunction b) {
    String why = whyNot(p, s);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    int ld = rowStride(s.k());
    ByteBuffer out = DeviceData.direct(bytes(s));
    for (int n = 0; n < s.n(); n++) {
      for (int k = 0; k < s.k(); k++) {
        float v = (float) b.applyAsDouble((long) k * s.bRow() + (long) n * s.bCol());
        out.putShort(Math.toIntExact(2 * ((long) n * ld + k)), p == GemmPrecision.FP16 ? Half.fromFloat(v)
            : Half.floatToBf16(v));
      }
    }
    return out.limit(Math.toIntExact(bytes(s))); // the padding stays zero (a new buffer)
  }
}
