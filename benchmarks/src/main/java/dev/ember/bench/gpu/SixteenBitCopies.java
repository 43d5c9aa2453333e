package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmRoute;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.ir.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A GEMM on 16-bit operands in memory, measured from the float32 operands the GEMM table gives:
 * the first launch of a route (untimed) converts A and B once into fp16 or bf16 copies this
 * object owns, B transposed to [N, K] where the inner GEMM reads it so; every launch then runs the
 * inner GEMM on the copies. Only plain row-major products are offered.
 */
final class SixteenBitCopies implements GpuGemm {
  private final GpuDriver driver;
  private final GpuGemm inner;
  private final GemmPrecision precision;
  private final boolean bTransposed;
  private long fromA;
  private long fromB;
  private long a16;
  private long b16;

  SixteenBitCopies(GpuDriver driver, GpuGemm inner, GemmPrecision precision,
      boolean bTransposed) {
    if (precision != GemmPrecision.FP16 && precision != GemmPrecision.BF16) {
      throw new IllegalArgumentException("16-bit data is fp16 or bf16, not " + precision);
    }
    this.driver = driver;
    this.inner = inner;
    this.precision = precision;
    this.bTransposed = bTransposed;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public String whyNot(GemmShape s) {
    boolean plain = s.batch() == 1 && s.aRow() == s.k() && s.aCol() == 1 && s.bRow() == s.n()
        && s.bCol() == 1;
    return plain ? inner.whyNot(onCopies(s)) : "measured on plain row-major products only";
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    convert(s, a, b);
    inner.enqueue(onCopies(s), a16, b16, c, bias);
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    return inner.routes(onCopies(s)).stream().map(r -> GemmRoute.of(r.name(), s, precision,
        r::compile, (a, b, c, bias) -> {
          convert(s, a, b);
          r.enqueue(a16, b16, c, bias);
        })).toList();
  }

  @Override
  public void close() {
    free();
    inner.close();
  }

  /** {@code s} as the inner GEMM reads the copies: A [M, K], B [K, N] or B^T [N, K]. */
  private GemmShape onCopies(GemmShape s) {
    return new GemmShape(1, s.m(), s.n(), s.k(), 0, s.k(), 1, 0, bTransposed ? 1 : s.n(),
        bTransposed ? s.k() : 1, 0, s.ldc(), s.alpha(), s.beta(), s.hasBias(), s.biasRow(),
        s.biasCol(), s.epilogue());
  }

  private void convert(GemmShape s, long a, long b) {
    if (a == fromA && b == fromB) {
      return;
    }
    free();
    a16 = copy(a, s.m(), s.k(), false);
    b16 = copy(b, s.k(), s.n(), bTransposed);
    fromA = a;
    fromB = b;
  }

  /** A 16-bit device copy of the row-major [rows, cols] floats at {@code src}, maybe transposed. */
  private long copy(long src, int rows, int cols, boolean transpose) {
    int n = Math.multiplyExact(rows, cols);
    ByteBuffer f32 = ByteBuffer.allocateDirect(Math.multiplyExact(n, 4))
        .order(ByteOrder.nativeOrder());
    driver.download(f32, src);
    ByteBuffer h = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      int from = transpose ? (i % rows) * cols + i / rows : i; // out[j][r] = in[r][j]
      float v = f32.getFloat(4 * from);
      h.putShort(precision == GemmPrecision.FP16 ? Half.fromFloat(v) : Half.floatToBf16(v));
    }
    long dst = driver.alloc(n * 2L);
    driver.upload(dst, h.flip());
    return dst;
  }

  private void free() {
    if (a16 != 0) {
      driver.free(a16);
      driver.free(b16);
      a16 = 0;
      b16 = 0;
      fromA = 0;
      fromB = 0;
    }
  }
}
