package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experimental Hopper GEMM ({@link WgmmaGemmSource}) as a {@link GpuGemm}: fp16 or bf16,
 * sm_90 only (compiled for sm_90a, whose wgmma later architectures lack). No variant uses it:
 * the device check measures it apart ({@code WgmmaCheck}) until a device run has shown it right.
 */
public final class WgmmaGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  /** Whether A and B are 16-bit in memory (B given as B^T): {@link WgmmaHalfDataSource}. */
  private final boolean halfData;
  /** Kernels by warpgroups per block (1: 64x128 tiles, 2: 128x128) and epilogue. */
  private final Map<Key, Object> kernels = new ConcurrentHashMap<>();

  private record Key(int warpgroups, GemmEpilogue epilogue) {}

  public WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this(driver, compiler, precision, false);
  }

  private WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision,
      boolean halfData) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
    this.halfData = halfData;
  }

  /**
   * The GEMM on 16-bit operands in memory (fp16 or bf16, as {@code precision}): A as [M, K] and
   * B as B^T, [N, K], both contiguous along K, strides in elements; C stays float32. No variant
   * stores operands so yet: the device check measures it against cuBLAS on the same data.
   */
  public static WgmmaGemm onHalfData(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new WgmmaGemm(driver, compiler, precision, true);
  }

  @Override
  public String name() {
    return "wgmma-" + precision.confName() + (halfData ? "-data" : "");
  }

  /** The kernel's name, e.g. "ember_gemm_fp16_wgmma_t128" for two warpgroups. */
  public static String kernelName(GemmPrecision p, int warpgroups) {
    return kernelName(p, warpgroups, GemmEpilogue.NONE);
  }

  /** The name of the kernel that stores through epilogue {@code e}. */
  public static String kernelName(GemmPrecision p, int warpgroups, GemmEpilogue e) {
    return "ember_gemm_" + p.confName() + "_wgmma_t" + WgmmaGemmSource.TILE_M * warpgroups
        + e.suffix();
  }

  /** The kernel's CUDA C (compile it for sm_90a). */
  public static String source(GemmPrecision p, int warpgroups) {
    return source(p, warpgroups, GemmEpilogue.NONE);
  }

  /** Like {@link #source(GemmPrecision, int)}, storing through epilogue {@code e}. */
  public static String source(GemmPrecision p, int warpgroups, GemmEpilogue e) {
    return e.function() + WgmmaGemmSource.source(p, kernelName(p, warpgroups, e), warpgroups);
  }

  @Override
  public String whyNot(GemmShape s) {
    if (precision != GemmPrecision.FP16 && precision != GemmPrecision.BF16) {
      return "wgmma is built for fp16 and bf16 only, not " + precision.confName();
    }
    String arch = driver.device().arch();
    if (GemmKernels.capability(arch) != 90) {
      return "wgmma needs sm_90 (sm_90a code), but " + driver.device() + " is " + arch;
    }
    if (halfData && (s.aCol() != 1 || s.bRow() != 1 || s.k() % 8 != 0 || s.aRow() % 8 != 0
        || s.bCol() % 8 != 0 || s.aBatch() % 8 != 0 || s.bBatch() % 8 != 0)) {
      return "16-bit data needs A and B^T contiguous along K and K, row strides and batch"
          + " strides in multiples of 8 elements (16-byte copies)";
    }
    return GemmKernels.whyNot(s);
  }

  /** Runs {@code s} on 128 x 128 tiles (two warpgroups); {@link #routes} offers 64 x 128 too. */
  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    enqueue(s, 2, a, b, c, bias);
  }

  private void enqueue(GemmShape s, int warpgroups, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    if (halfData && ((a | b) & 15) != 0) {
      throw new IllegalArgumentException(name() + ": A and B must be 16-byte aligned");
    }
    Dim3 grid = Dim3.of(GemmKernels.ceilDiv(s.n(), WgmmaGemmSource.TILE_N),
        GemmKernels.ceilDiv(s.m(), WgmmaGemmSource.TILE_M * warpgroups), s.batch());
    driver.launch(kernel(warpgroups, s.epilogue()), grid,
        Dim3.of(WgmmaGemmSource.THREADS * warpgroups),
        halfData ? WgmmaHalfDataSource.sharedBytes(warpgroups) : 0,
        GemmKernels.args(a, b, c, bias, s));
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    List<GemmRoute> routes = new ArrayList<>();
    for (int wg : new int[] {2, 1}) {
      routes.add(GemmRoute.of(name() + "-t" + WgmmaGemmSource.TILE_M * wg + "x"
          + WgmmaGemmSource.TILE_N, s, precision, () -> image(wg, s.epilogue()),
          (a, b, c, bias) -> enqueue(s, wg, a, b, c, bias)));
    }
    return routes;
  }

  private String name(int warpgroups, GemmEpilogue e) {
    return kernelName(precision, warpgroups, e) + (halfData ? "_data" : "");
  }

  private byte[] image(int warpgroups, GemmEpilogue e) {
    String source = halfData
        ? e.function() + WgmmaHalfDataSource.source(precision, name(warpgroups, e), warpgroups)
        : source(precision, warpgroups, e);
    return compiler.compile(source, "sm_90a", name(warpgroups, e) + ".cu");
  }

  private Object kernel(int warpgroups, GemmEpilogue e) {
    return kernels.computeIfAbsent(new Key(warpgroups, e), k -> {
      String name = name(warpgroups, e);
      return driver.load(image(warpgroups, e), List.of(name)).get(name);
    });
  }
}
