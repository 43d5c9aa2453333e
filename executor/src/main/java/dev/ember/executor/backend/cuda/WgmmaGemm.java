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
  /** Kernels by warpgroups per block (1: 64x128 tiles, 2: 128x128) and epilogue. */
  private final Map<Key, Object> kernels = new ConcurrentHashMap<>();

  private record Key(int warpgroups, GemmEpilogue epilogue) {}

  public WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
  }

  @Override
  public String name() {
    return "wgmma-" + precision.confName();
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
    Dim3 grid = Dim3.of(GemmKernels.ceilDiv(s.n(), WgmmaGemmSource.TILE_N),
        GemmKernels.ceilDiv(s.m(), WgmmaGemmSource.TILE_M * warpgroups), s.batch());
    driver.launch(kernel(warpgroups, s.epilogue()), grid, Dim3.of(WgmmaGemmSource.THREADS * warpgroups), 0,
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

  private byte[] image(int warpgroups, GemmEpilogue e) {
    return compiler.compile(source(precision, warpgroups, e), "sm_90a",
        kernelName(precision, warpgroups, e) + ".cu");
  }

  private Object kernel(int warpgroups, GemmEpilogue e) {
    return kernels.computeIfAbsent(new Key(warpgroups, e), k -> {
      String name = kernelName(precision, warpgroups, e);
      return driver.load(image(warpgroups, e), List.of(name)).get(name);
    });
  }
}
