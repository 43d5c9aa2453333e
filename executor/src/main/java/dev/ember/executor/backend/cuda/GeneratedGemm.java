package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link GpuGemm} running Ember's own kernel ({@link GemmKernels}) for one precision: the
 * fallback where cuBLAS does not load, and the only GEMM the host emulator can run (FP32).
 *
 * <p>Each tile's kernel ({@link MmaTile}) is compiled for the driver's architecture on first use
 * of a shape that picks it; compiling is thread-safe and happens once per tile and instance.
 */
public final class GeneratedGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  /** Kernel per tile, compiled on first use; FP32's one SIMT kernel is kept under T128_K32. */
  private final Map<MmaTile, Object> kernels = new EnumMap<>(MmaTile.class);

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
    enqueue(s, GemmKernels.tile(precision, s), a, b, c, bias);
  }

  /**
   * Like {@link #enqueue(GemmShape, long, long, long, long)} with a given tile instead of the one
   * {@link MmaTile#forShape} picks (ignored for FP32): for measuring that choice.
   */
  public void enqueue(GemmShape s, MmaTile tile, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    MmaTile t = precision == GemmPrecision.FP32 ? null : tile;
    if (t != null && t.stages() > 0 && ((a | b) & 15) != 0) {
      t = t.synchronous(); // cp.async copies 16 aligned bytes
    }
    Geometry geo = GemmKernels.geometry(s, t);
    driver.launch(kernel(t), geo.grid(), geo.block(), geo.sharedBytes(),
        GemmKernels.args(a, b, c, bias, s));
  }

  private synchronized Object kernel(MmaTile tile) {
    MmaTile key = tile == null ? MmaTile.T128_K32 : tile;
    Object k = kernels.get(key);
    if (k == null) {
      String name = GemmKernels.kernelName(precision, key);
      byte[] image = compiler.compile(GemmKernels.source(precision, key), driver.device().arch(),
          name + ".cu");
      k = driver.load(image, List.of(name)).get(name);
      kernels.put(key, k);
    }
    return k;
  }
}
