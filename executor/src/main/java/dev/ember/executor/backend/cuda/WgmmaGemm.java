package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.List;

/**
 * The experimental Hopper GEMM ({@link WgmmaGemmSource}) as a {@link GpuGemm}: fp16 or bf16,
 * sm_90 only (compiled for sm_90a, whose wgmma later architectures lack). No variant uses it:
 * the device check measures it apart ({@code WgmmaCheck}) until a device run has shown it right.
 */
public final class WgmmaGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  private Object kernel;

  public WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
  }

  @Override
  public String name() {
    return "wgmma-" + precision.confName();
  }

  /** The kernel's name, e.g. "ember_gemm_fp16_wgmma". */
  public static String kernelName(GemmPrecision p) {
    return "ember_gemm_" + p.confName() + "_wgmma";
  }

  /** The kernel's CUDA C (compile it for sm_90a). */
  public static String source(GemmPrecision p) {
    return WgmmaGemmSource.source(p, kernelName(p));
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
    return GemmKernels.whyNot(s);
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    Dim3 grid = Dim3.of(GemmKernels.ceilDiv(s.n(), WgmmaGemmSource.TILE_N),
        GemmKernels.ceilDiv(s.m(), WgmmaGemmSource.TILE_M), s.batch());
    driver.launch(kernel(), grid, Dim3.of(WgmmaGemmSource.THREADS), 0,
        GemmKernels.args(a, b, c, bias, s));
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    return List.of(GemmRoute.of(name() + "-t64x128", s, precision,
        (a, b, c, bias) -> enqueue(s, a, b, c, bias)));
  }

  private synchronized Object kernel() {
    if (kernel == null) {
      String name = kernelName(precision);
      byte[] image = compiler.compile(source(precision), "sm_90a", name + ".cu");
      kernel = driver.load(image, List.of(name)).get(name);
    }
    return kernel;
  }
}
