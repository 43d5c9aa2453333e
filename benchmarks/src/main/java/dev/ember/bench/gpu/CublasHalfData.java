package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmRoute;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GpuGemm;
import dev.ember.executor.backend.cuda.JCudaDriver;
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
 * precisions) and row-major, C float32, float32 accumulation ({@code cublasGemmEx}). It measures
 * what this device and its vendor library reach when operands are 16-bit in memory: the ceiling
 * against which Ember's GEMMs are read (#17's "percent of dense peak"). No variant uses it; only
 * {@link SixteenBitDataCheck} runs it, through {@link SixteenBitCopies}.
 */
final class CublasHalfData implements GpuGemm {
  private final JCudaDriver driver;
  private final GemmPrecision precision;
  private final cublasHandle handle = new cublasHandle();

  CublasHalfData(JCudaDriver driver, GemmPrecision precision) {
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
    return s.batch() == 1 && s.aCol() == 1 && s.bCol() == 1 && !s.hasBias()
        && s.epilogue().isNone() ? null : "row-major A and B, no bias or epilogue";
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    int type = precision == GemmPrecision.FP16 ? cudaDataType.CUDA_R_16F
        : cudaDataType.CUDA_R_16BF;
    check(JCublas2.cublasSetStream(handle, new cudaStream_t(driver.stream())), "cublasSetStream");
    // Row-major C = A B is column-major C^T = B^T A^T: B first, no transposes.
    check(JCublas2.cublasGemmEx(handle, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N,
        s.n(), s.m(), s.k(), Pointer.to(new float[] {s.alpha()}), driver.pointer(b), type,
        s.bRow(), driver.pointer(a), type, s.aRow(), Pointer.to(new float[] {0f}),
        driver.pointer(c), cudaDataType.CUDA_R_32F, s.ldc(),
        cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx");
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    return whyNot(s) != null ? List.of()
        : List.of(GemmRoute.of(name(), s, precision, (a, b, c, bias) -> enqueue(s, a, b, c,
            bias)));
  }

  @Override
  public void close() {
    driver.stream();
    JCublas2.cublasDestroy(handle);
  }

  private void check(int rc, String call) {
    if (rc != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw new IllegalStateException(call + " failed: " + cublasStatus.stringFor(rc));
    }
  }
}
