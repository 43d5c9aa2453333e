package dev.ember.executor.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * Seeded operands of one {@link GemmShape} on the device, for comparing and timing GEMM routes
 * ({@link GemmTuner}, the device check's GEMM table): A, B and the bias filled with values in
 * [-1, 1) and C, each laid out as the shape's strides address it, and for routes that read B in
 * 16 bits ({@link GemmRoute#readsHalfB}) B's copy, made from the same values on first use.
 *
 * <pre>{@code
 * GemmOperands o = GemmOperands.random(driver, shape);
 * route.enqueue(o.a(), o.b(driver, route), o.c(), o.bias());
 * double err = GemmOperands.relError(want, o.outputs(driver, shape));
 * o.free(driver);
 * }</pre>
 */
public final class GemmOperands {
  private static final long B_SEED = 2;

  private final GemmShape shape;
  private final long a;
  private final long b;
  private final long bias;
  private final long c;
  private final long cFloats;
  /** B's 16-bit copies by precision, made on first use. */
  private final Map<GemmPrecision, Long> halfB = new EnumMap<>(GemmPrecision.class);

  private GemmOperands(GemmShape shape, long a, long b, long bias, long c, long cFloats) {
    this.shape = shape;
    this.a = a;
    this.b = b;
    this.bias = bias;
    this.c = c;
    this.cFloats = cFloats;
  }

  /** Allocates and fills the operands of {@code s}; the bias pointer is 0 without a bias. */
  public static GemmOperands random(GpuDriver d, GemmShape s) {
    long a = upload(d, extent(s.batch(), s.aBatch(), s.m(), s.aRow(), s.k(), s.aCol()), 1);
    long b = upload(d, bExtent(s), B_SEED);
    long bias = s.hasBias() ? upload(d, extent(1, 0, s.m(), s.biasRow(), s.n(), s.biasCol()), 3)
        : 0;
    long cFloats = extent(s.batch(), s.cBatch(), s.m(), s.ldc(), s.n(), 1);
    return new GemmOperands(s, a, b, bias, d.alloc(cFloats * 4), cFloats);
  }

  public long a() {
    return a;
  }

  /** B as float32 routes read it. */
  public long b() {
    return b;
  }

  /** B as {@code route} reads it: B, or its 16-bit copy at the route's precision. */
  public long b(GpuDriver d, GemmRoute route) {
    if (!route.readsHalfB()) {
      return b;
    }
    return halfB.computeIfAbsent(route.precision(), p -> {
      float[] values = values(bExtent(shape), B_SEED);
      ByteBuffer bytes = HalfWeights.convert(shape, p, i -> values[Math.toIntExact(i)]);
      long ptr = d.alloc(bytes.remaining());
      d.upload(ptr, bytes);
      return ptr;
    });
  }

  /** The bias, or 0 without one. */
  public long bias() {
    return bias;
  }

  public long c() {
    return c;
  }

  /** Floats C spans, gaps between rows included. */
  public long cFloats() {
    return cFloats;
  }

  /** C's outputs only, in (batch, row, column) order: gaps between rows are not read. */
  public float[] outputs(GpuDriver d, GemmShape s) {
    ByteBuffer host = ByteBuffer.allocateDirect(Math.toIntExact(cFloats * 4))
        .order(ByteOrder.nativeOrder());
    d.download(host, c);
    float[] out = new float[Math.toIntExact((long) s.batch() * s.m() * s.n())];
    int at = 0;
    for (int z = 0; z < s.batch(); z++) {
      for (int i = 0; i < s.m(); i++) {
        long row = z * s.cBatch() + (long) i * s.ldc();
        for (int j = 0; j < s.n(); j++) {
          out[at++] = host.getFloat(Math.toIntExact((row + j) * 4));
        }
      }
    }
    return out;
  }

  public void free(GpuDriver d) {
    d.free(a);
    d.free(b);
    halfB.values().forEach(d::free);
    halfB.clear();
    if (bias != 0) {
      d.free(bias);
    }
    d.free(c);
  }

  /** max |got - want| / max |want|; infinite for NaN or an all-zero {@code want}. */
  public static double relError(float[] want, float[] got) {
    double max = 0;
    double err = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i]));
      err = Math.max(err, Math.abs(got[i] - want[i]));
    }
    return Double.isNaN(err) || max == 0 ? Double.POSITIVE_INFINITY : err / max;
  }

  /** Floats spanned by {@code count} matrices of rows x cols at these strides. */
  private static long extent(int count, long batchStride, int rows, long rowStride, int cols,
      long colStride) {
    return 1 + (count - 1) * batchStride + (rows - 1) * rowStride + (cols - 1) * colStride;
  }

  private static long bExtent(GemmShape s) {
    return extent(s.batch(), s.bBatch(), s.k(), s.bRow(), s.n(), s.bCol());
  }

  /** The {@code n} values of {@code seed} in [-1, 1) that {@link #upload} puts on the device. */
  private static float[] values(long n, long seed) {
    Random rnd = new Random(seed);
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextFloat() * 2 - 1;
    }
    return v;
  }

  private static long upload(GpuDriver d, long n, long seed) {
    ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(n * 4))
        .order(ByteOrder.nativeOrder());
    for (float v : values(n, seed)) {
      bytes.putFloat(v);
    }
    bytes.flip();
    long ptr = d.alloc(n * 4);
    d.upload(ptr, bytes);
    return ptr;
  }
}
