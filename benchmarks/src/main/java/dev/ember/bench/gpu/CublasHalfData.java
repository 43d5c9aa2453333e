package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmRoute;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS on 16-bit operands: A and B stored as fp16 or bf16 (as torch stores them at those
 * precisions), C float32, float32 accumulation. It measures what this device and its vendor
 * library reach at 4096^3 when operands are 16-bit in memory: the ceiling against which Ember's
 * GEMMs, whose operands stay float32 in memory, are read (#17's "percent of dense peak"). No
 * variant uses it; only {@link CublasCheck} runs it.
 *
 * <p>The float32 operands a route is given are converted once, on the host, into 16-bit copies
 * this object owns (the first, untimed launch does it), so timed launches run the GEMM alone.
 */
final class CublasHalfData implements GpuGemm {
  private final JCudaDriver driver;
  private final GemmPrecision precision;
  private final cublasHandle handle = new cublasHandle();
  private long fromA;
  private long fromB;
  private long a16;
  private long b16;

  CublasHalfData(JCudaDriver driver, GemmPrecision precision) {
    if (precision != GemmPrecision.FP16 && precision != GemmPrecision.BF16) {
      throw new IllegalArgumentException("16-bit data is fp16 or bf16, not " + precision);
    }
    this.driver = driver;
    this.precision = precision;
    driver.stream();
    check(JCublas2.cublasCreate(handle), "cublasCreate");
  }

  @Override
  public String name() {
    return "cublas-" + precision.confName() + "-data";
  }

  @Override
  public String whyNot(GemmShape s) {
    boolean plain = s.batch() == 1 && s.aRow() == s.k() && s.aCol() == 1 && s.bRow() == s.n()
        && s.bCol() == 1 && s.ldc() == s.n() && !s.hasBias() && s.epilogue().isNone();
    return plain ? null : "measured on plain row-major products only";
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    if (a != fromA || b != fromB) {
      free();
      a16 = halves(a, (long) s.m() * s.k());
      b16 = halves(b, (long) s.k() * s.n());
      fromA = a;
      fromB = b;
    }
    int type = precision == GemmPrecision.FP16 ? cudaDataType.CUDA_R_16F
        : cudaDataType.CUDA_R_16BF;
    check(JCublas2.cublasSetStream(handle, new cudaStream_t(driver.stream())), "cublasSetStream");
    // Row-major C = A B is column-major C^T = B^T A^T: B first, no transposes.
    check(JCublas2.cublasGemmEx(handle, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N,
        s.n(), s.m(), s.k(), Pointer.to(new float[] {s.alpha()}), driver.pointer(b16), type,
        s.n(), driver.pointer(a16), type, s.k(), Pointer.to(new float[] {0f}),
        driver.pointer(c), cudaDataType.CUDA_R_32F, s.n(), cublasComputeType.CUBLAS_COMPUTE_32F,
        cublasGemmAlgo.CUBLAS_GEMM_DEFAULT), "cublasGemmEx");
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    return whyNot(s) != null ? List.of()
        : List.of(GemmRoute.of(name(), s, precision, (a, b, c, bias) -> enqueue(s, a, b, c,
            bias)));
  }

  @Override
  public void close() {
    free();
    driver.stream();
    JCublas2.cublasDestroy(handle);
  }

  /** A device copy of {@code count} floats at {@code src} as 16-bit values. */
  private long halves(long src, long count) {
    int n = Math.toIntExact(count);
    ByteBuffer f32 = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
    driver.download(f32, src);
    ByteBuffer h = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      float v = f32.getFloat(4 * i);
      h.putShort(precision == GemmPrecision.FP16 ? Halves.fp16(v) : Halves.bf16(v));
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
    }
  }

  private void check(int rc, String call) {
    if (rc != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw new IllegalStateException(call + " failed: " + cublasStatus.stringFor(rc));
    }
  }
}
