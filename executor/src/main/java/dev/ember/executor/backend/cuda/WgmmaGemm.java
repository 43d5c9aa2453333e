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
  /** Kernels by tile and epilogue. */
  private final Map<Key, Object> kernels = new ConcurrentHashMap<>();

  /**
   * A block's tile: {@code warpgroups} x 64 rows (1 or 2) by {@code n} columns (128; 256 on
   * 16-bit data, where cp.async keeps the operands out of registers).
   */
  private record Tile(int warpgroups, int n) {
    int m() {
      return WgmmaGemmSource.TILE_M * warpgroups;
    }

    String label() {
      return m() + "x" + n;
    }
  }

  private record Key(Tile tile, GemmEpilogue epilogue) {}

  private static final Tile T128 = new Tile(2, WgmmaGemmSource.TILE_N);

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

  /** Runs {@code s} on 128 x 128 tiles (two warpgroups); {@link #routes} offers others too. */
  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    enqueue(s, T128, a, b, c, bias);
  }

  private void enqueue(GemmShape s, Tile tile, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    if (halfData && ((a | b) & 15) != 0) {
      throw new IllegalArgumentException(name() + ": A and B must be 16-byte aligned");
    }
    Dim3 grid = Dim3.of(GemmKernels.ceilDiv(s.n(), tile.n()),
        GemmKernels.ceilDiv(s.m(), tile.m()), s.batch());
    driver.launch(kernel(tile, s.epilogue()), grid,
        Dim3.of(WgmmaGemmSource.THREADS * tile.warpgroups()),
        halfData ? WgmmaHalfDataSource.sharedBytes(tile.warpgroups(), tile.n()) : 0,
        GemmKernels.args(a, b, c, bias, s));
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    List<Tile> tiles = new ArrayList<>(List.of(T128));
    if (halfData) {
      tiles.add(new Tile(2, 2 * WgmmaGemmSource.TILE_N));
    }
    tiles.add(new Tile(1, WgmmaGemmSource.TILE_N));
    List<GemmRoute> routes = new ArrayList<>();
    for (Tile tile : tiles) {
      routes.add(GemmRoute.of(name() + "-t" + tile.label(), s, precision,
          () -> image(tile, s.epilogue()), (a, b, c, bias) -> enqueue(s, tile, a, b, c, bias)));
    }
    return routes;
  }

  private String name(Tile tile, GemmEpilogue e) {
    return halfData
        ? "ember_gemm_" + precision.confName() + "_wgmma_t" + tile.label() + e.suffix() + "_data"
        : kernelName(precision, tile.warpgroups(), e);
  }

  private byte[] image(Tile tile, GemmEpilogue e) {
    String source = halfData
        ? e.function() + WgmmaHalfDataSource.source(precision, name(tile, e), tile.warpgroups(),
            tile.n())
        : source(precision, tile.warpgroups(), e);
    return compiler.compile(source, "sm_90a", name(tile, e) + ".cu");
  }

  private Object kernel(Tile tile, GemmEpilogue e) {
    return kernels.computeIfAbsent(new Key(tile, e), k -> {
      String name = name(tile, e);
      return driver.load(image(tile, e), List.of(name)).get(name);
    });
  }
}
