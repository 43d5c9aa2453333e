package dev.ember.executor.backend.cuda;

import static jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F;
import static jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F_FAST_16BF;
import static jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F_FAST_16F;
import static jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.libraryPropertyType;
import jcuda.runtime.cudaStream_t;

/**
 * A {@link GpuGemm} on cuBLAS ({@code cublasGemmStridedBatchedEx}, float32 data; the precision
 * picks the compute type, e.g. {@code CUBLAS_COMPUTE_32F_FAST_TF32}; or, {@link #onHalfRows},
 * 16-bit copies of A and of a weight B). Needs {@code
 * libcublas.so.12}: {@link #unavailableReason()} says, without throwing, why it does not load.
 *
 * <p>cuBLAS is column-major, so the row-major product is run as {@code C^T = B^T A^T}: the
 * row-major C is a column-major N x M matrix, and each operand needs a unit stride in one of its
 * two dimensions. A bias is written into C first by a small generated kernel ({@link
 * GemmKernels#biasFillSource()}), since its strides may broadcast (0), which neither cuBLAS's
 * {@code beta * C} nor a 2D copy can express; cuBLAS then adds {@code alpha * A B} with beta 1.
 * An epilogue ({@link GemmEpilogue}) runs after it as one more small kernel over C, in place.
 *
 * <pre>{@code
 * try (GpuGemm gemm = new CublasGemm(driver, new Nvrtc(), GemmPrecision.TF32)) {
 *   gemm.enqueue(shape, a, b, c, bias);
 * }
 * }</pre>
 */
public final class CublasGemm implements GpuGemm {
  private final JCudaDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  /** Whether A is first copied into 16-bit rows and multiplied by the weight's 16-bit copy. */
  private final boolean halfRows;
  private final cublasHandle handle = new cublasHandle();
  private volatile Object biasFill;
  private final Map<GemmEpilogue, Object> epilogues = new ConcurrentHashMap<>();
  private boolean closed;
  /** Half rows: the copy kernel, the routes' copies, the route {@link #enqueue} runs per shape. */
  private final HalfRowsRoute.Copier copier;
  private final GemmWorkspaces copies;
  private final HalfRowsRoute.ByShape direct = new HalfRowsRoute.ByShape();

  /**
   * Creates a cuBLAS handle on {@code driver}'s device. Every cuBLAS call first takes the driver's
   * stream, which makes its context current on the calling thread, since Spark runs tasks on
   * pooled threads.
   *
   * @throws dev.ember.executor.errors.EmberException DEVICE_UNAVAILABLE when cuBLAS does not load
   *     or the handle cannot be created
   */
  public CublasGemm(JCudaDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this(driver, compiler, precision, false);
  }

  /**
   * cuBLAS on 16-bit data for fp16/bf16 GEMMs by a weight: each route copies float32 A into 16-bit
   * rows it holds ({@link HalfRows}), then {@code cublasGemmStridedBatchedEx} multiplies that copy
   * by the weight's 16-bit B^T copy ({@link GemmRoute#readsHalfB}), accumulating in float32, as
   * torch's autocast GEMMs run. No Spark setting uses it: the device check offers it to its tuner
   * ({@link CudaDevice#offer}) only after a run of its own agreed with the FP32 kernel.
   */
  public static CublasGemm onHalfRows(JCudaDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new CublasGemm(driver, compiler, precision, true);
  }

  private CublasGemm(JCudaDriver driver, KernelCompiler compiler, GemmPrecision precision,
      boolean halfRows) {
    String why = unavailableReason();
    if (why != null) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "cuBLAS is not available: " + why,
          "put libcublas.so.12 (CUDA 12) on LD_LIBRARY_PATH, or use the generated GEMM");
    }
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
    this.halfRows = halfRows;
    this.copier = new HalfRowsRoute.Copier(driver, compiler, precision);
    this.copies = new GemmWorkspaces(driver);
    driver.stream();
    check(JCublas2.cublasCreate(handle), "cublasCreate");
  }

  /** Null when JCuda's cuBLAS binding and {@code libcublas.so.12} load, else why; never throws. */
  public static String unavailableReason() {
    try {
      int[] major = {0};
      int rc = JCublas2.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, major);
      if (rc != cublasStatus.CUBLAS_STATUS_SUCCESS) {
        return "cublasGetProperty returned " + cublasStatus.stringFor(rc);
      }
      return major[0] >= 12 ? null : "cuBLAS " + major[0] + " is older than 12";
    } catch (LinkageError | RuntimeException e) {
      return "cuBLAS did not load: " + CudaLibraries.summary(e);
    }
  }

  @Override
  public String name() {
    return "cublas-" + precision.confName() + (halfRows ? "-rows" : "");
  }

  @Override
  public String whyNot(GemmShape s) {
    if (halfRows) {
      if (precision != GemmPrecision.FP16 && precision != GemmPrecision.BF16) {
        return "16-bit rows are fp16 or bf16, not " + precision.confName();
      }
      String why = HalfWeights.whyNot(precision, s);
      if (why == null) {
        why = HalfRows.whyNot(s);
      }
      if (why != null) {
        return why;
      }
    }
    if (s.batch() > GemmKernels.MAX_BATCH) {
      return "batch " + s.batch() + " exceeds the bias kernel's grid limit of "
          + GemmKernels.MAX_BATCH;
    }
    if (operand(s.k(), s.n(), s.bRow(), s.bCol()) == null) {
      return "B's strides (" + s.bRow() + ", " + s.bCol() + ") have no unit stride with a"
          + " leading dimension cuBLAS accepts";
    }
    if (operand(s.m(), s.k(), s.aRow(), s.aCol()) == null) {
      return "A's strides (" + s.aRow() + ", " + s.aCol() + ") have no unit stride with a"
          + " leading dimension cuBLAS accepts";
    }
    if (s.m() > 1 && s.ldc() < s.n()) {
      return "ldc " + s.ldc() + " is smaller than n " + s.n();
    }
    return null;
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    if (closed) {
      throw new IllegalStateException("CublasGemm '" + name() + "' is closed");
    }
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    if (halfRows) {
      direct.get(s, this::rowsRoute).enqueue(a, b, c, bias);
      return;
    }
    product(s, a, b, c, bias, cudaDataType.CUDA_R_32F, computeType(precision));
  }

  /**
   * The bias written into C, cuBLAS's product of A and B (both of {@code dataType}) added to it,
   * then the epilogue over C.
   */
  private void product(GemmShape s, long a, long b, long c, long bias, int dataType,
      int compute) {
    if (s.hasBias()) {
      Geometry geo = GemmKernels.biasFillGeometry(s);
      driver.launch(biasFill(), geo.grid(), geo.block(), geo.sharedBytes(),
          GemmKernels.biasFillArgs(c, bias, s));
    }
    Operand pb = operand(s.k(), s.n(), s.bRow(), s.bCol());
    Operand pa = operand(s.m(), s.k(), s.aRow(), s.aCol());
    check(JCublas2.cublasSetStream(handle, new cudaStream_t(driver.stream())), "cublasSetStream");
    check(JCublas2.cublasGemmStridedBatchedEx(handle, pb.op, pa.op, s.n(), s.m(), s.k(),
        Pointer.to(new float[] {s.alpha()}),
        driver.pointer(b), dataType, pb.ld, s.bBatch(),
        driver.pointer(a), dataType, pa.ld, s.aBatch(),
        Pointer.to(new float[] {s.hasBias() ? 1f : 0f}),
        driver.pointer(c), cudaDataType.CUDA_R_32F, s.m() > 1 ? s.ldc() : Math.max(s.ldc(), s.n()),
        s.cBatch(), s.batch(), compute, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT),
        "cublasGemmStridedBatchedEx");
    if (!s.epilogue().isNone()) {
      Geometry geo = GemmKernels.biasFillGeometry(s);
      driver.launch(epilogue(s.epilogue()), geo.grid(), geo.block(), geo.sharedBytes(),
          GemmKernels.epilogueArgs(c, s));
    }
  }

  /** One route: cuBLAS picks its own kernel per shape. */
  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    return List.of(halfRows ? rowsRoute(s) : GemmRoute.of(name(), s, precision,
        (a, b, c, bias) -> enqueue(s, a, b, c, bias)));
  }

  /**
   * A's 16-bit rows copy, then cuBLAS on it and the weight's copy ({@link
   * HalfRows#kernelShape}: A [batch][M][ld], B^T [N][ld], K padded to ld with zeros on both).
   */
  private GemmRoute rowsRoute(GemmShape s) {
    int type = precision == GemmPrecision.FP16 ? cudaDataType.CUDA_R_16F
        : cudaDataType.CUDA_R_16BF;
    return new HalfRowsRoute(name(), s, precision, copier, copies.lease(), () -> { },
        (a16, b16, c, bias) -> product(HalfRows.kernelShape(s), a16, b16, c, bias, type,
            CUBLAS_COMPUTE_32F));
  }

  @Override
  public void close() {
    direct.clear();
    copies.freeAll();
    if (!closed) {
      closed = true;
      driver.stream();
      check(JCublas2.cublasDestroy(handle), "cublasDestroy");
    }
  }

  /** cuBLAS's transpose flag and leading dimension for one operand. */
  record Operand(int op, int ld) {}

  /**
   * How cuBLAS sees the transpose of a row-major {@code rows x cols} operand with these strides,
   * or null when neither stride is 1 (a dimension of size 1 may have any stride).
   */
  static Operand operand(int rows, int cols, int rowStride, int colStride) {
    if (colStride == 1 || cols == 1) {
      // Row-major X is column-major X^T with leading dimension rowStride: no transpose.
      int ld = rows == 1 ? cols : rowStride;
      if (ld >= cols) {
        return new Operand(cublasOperation.CUBLAS_OP_N, ld);
      }
    }
    if (rowStride == 1 || rows == 1) {
      // Column-major X with leading dimension colStride: cuBLAS transposes it.
      int ld = cols == 1 ? rows : colStride;
      if (ld >= rows) {
        return new Operand(cublasOperation.CUBLAS_OP_T, ld);
      }
    }
    return null;
  }

  static int computeType(GemmPrecision p) {
    return switch (p) {
      case FP32 -> CUBLAS_COMPUTE_32F;
      case TF32 -> CUBLAS_COMPUTE_32F_FAST_TF32;
      case FP16 -> CUBLAS_COMPUTE_32F_FAST_16F;
      case BF16 -> CUBLAS_COMPUTE_32F_FAST_16BF;
    };
  }

  private Object biasFill() {
    Object k = biasFill;
    if (k == null) {
      synchronized (this) {
        k = biasFill;
        if (k == null) {
          byte[] image = compiler.compile(GemmKernels.biasFillSource(), driver.device().arch(),
              GemmKernels.BIAS_FILL_KERNEL + ".cu");
          k = driver.load(image, List.of(GemmKernels.BIAS_FILL_KERNEL))
              .get(GemmKernels.BIAS_FILL_KERNEL);
          biasFill = k;
        }
      }
    }
    return k;
  }

  private Object epilogue(GemmEpilogue e) {
    return epilogues.computeIfAbsent(e, k -> {
      String name = GemmKernels.epilogueKernel(k);
      byte[] image = compiler.compile(GemmKernels.epilogueSource(k), driver.device().arch(),
          name + ".cu");
      return driver.load(image, List.of(name)).get(name);
    });
  }

  private void check(int rc, String call) {
    if (rc != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw Errors.of(ErrorCode.KERNEL_FAILED,
          call + " failed on " + driver.device() + ": " + cublasStatus.stringFor(rc),
          "check the device memory and shapes; set spark.ember.device=cpu to run on the CPU");
    }
  }
}
