package dev.ember.executor.backend.cuda;

/**
 * float32 to the 16-bit formats the tensor cores read, rounded to nearest even, for operands
 * stored as 16-bit data (the wgmma GEMM on 16-bit data, cuBLAS measured on it). Java 17 has no
 * {@code Float.floatToFloat16}.
 */
public final class Halves {
  private Halves() {}

  /** IEEE binary16 bits of {@code f}; overflow gives infinity, NaN the canonical 0x7fff. */
  public static short fp16(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int exp = (x >>> 23) & 0xff;
    int man = x & 0x7fffff;
    if (exp == 0xff) {
      return (short) (man != 0 ? 0x7fff : sign | 0x7c00);
    }
    int e = exp - 127 + 15;
    if (e >= 31) {
      return (short) (sign | 0x7c00);
    }
    int h;
    int rem;
    int mid;
    if (e <= 0) { // a subnormal half, or zero
      if (e < -10) {
        return (short) sign;
      }
      int m = man | 0x800000;
      int shift = 14 - e;
      h = m >>> shift;
      rem = m & ((1 << shift) - 1);
      mid = 1 << (shift - 1);
    } else {
      h = (e << 10) | (man >>> 13);
      rem = man & 0x1fff;
      mid = 0x1000;
    }
    if (rem > mid || (rem == mid && (h & 1) != 0)) {
      h++; // a carry into the exponent is still the right rounding
    }
    return (short) (sign | h);
  }

  /** bfloat16 bits of {@code f}; NaN gives the canonical 0x7fff. */
  public static short bf16(float f) {
    int x = Float.floatToRawIntBits(f);
    if ((x & 0x7f800000) == 0x7f800000 && (x & 0x7fffff) != 0) {
      return 0x7fff;
    }
    return (short) ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16);
  }
}
