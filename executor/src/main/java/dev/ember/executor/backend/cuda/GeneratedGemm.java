package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import java.util.List;

/**
 * A {@link GpuGemm} running Ember's own kernel ({@link GemmKernels}) for one precision: the
 * fallback where cuBLAS does not load, and the only GEMM the host emulator can run (FP32).
 *
 * <p>The kernel is compiled for the driver's architecture on first use; compiling is
 * thread-safe and happens once per instance.
 */
public final class GeneratedGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  private volatile Object kernel;

  public GeneratedGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
  }

  @Override
  public String name() {
    return "nvrtc-" + precision.confName();
  }

  @Override
  public String whyNot(GemmShape s) {
    String arch = driver.device().arch();
    if (!GemmKernels.runsOn(precision, arch)) {
      return precision.confName() + " tensor-core GEMM needs " + GemmKernels.minimumArch(precision)
          + " or newer, but " + driver.device() + " is " + arch;
    }
    return GemmKernels.whyNot(s);
  }

  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    Geometry geo = GemmKernels.geometry(precision, s);
    driver.launch(kernel(), geo.grid(), geo.block(), geo.sharedBytes(),
        GemmKernels.args(a, b, c, bias, s));
  }

  private Object kernel() {
    Object k = kernel;
    if (k == null) {
      synchronized (this) {
        k = kernel;
        if (k == null) {
          String name = GemmKernels.kernelName(precision);
          byte[] image = compiler.compile(GemmKernels.source(precision), driver.device().arch(),
              name + ".cu");
          k = driver.load(image, List.of(name)).get(name);
          kernel = k;
        }
      }
    }
    return k;
  }
}
