package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experimental Hopper GEMMs as a {@link GpuGemm}: fp16 or bf16, sm_90 only (compiled for
 * sm_90a, whose wgmma later architectures lack), on float32 data ({@link WgmmaGemmSource}), on
 * 16-bit data ({@link #onHalfData}), by a weight's 16-bit copy ({@link #onWeights}) or on 16-bit
 * rows each route copies A into before it multiplies them by a weight's copy ({@link
 * #onHalfRows}). No Spark setting uses them: the device check measures them apart ({@code
 * WgmmaCheck}) and only then lets its own tuner weigh them, until a device run has shown them
 * right.
 */
public final class WgmmaGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  private final Operands operands;
  /**
   * HALF_DATA: every tile in each of {@link WgmmaHalfDataSource#SWEEP}'s stage counts and {@link
   * WgmmaHalfDataSource#SLICES}' depths.
   */
  private final boolean sweep;

  /** What the kernels read. */
  private enum Operands {
    /** float32 A and B, rounded as they are staged ({@link WgmmaGemmSource}). */
    FLOAT32,
    /** 16-bit A and B^T in memory ({@link WgmmaHalfDataSource}). */
    HALF_DATA,
    /** float32 A times a weight's 16-bit B^T copy ({@link WgmmaWeightsSource}). */
    HALF_WEIGHTS,
    /** float32 A copied into 16-bit rows ({@link HalfRows}), then as HALF_DATA by a weight. */
    HALF_ROWS
  }
  /** Kernels by tile and epilogue. */
  private final Map<Key, Object> kernels = new ConcurrentHashMap<>();

  /**
   * A block's tile: {@code warpgroups} x 64 rows (1 or 2) by {@code n} columns (128; 256 on
   * 16-bit data, where cp.async keeps the operands out of registers), its 16-bit-data pipeline
   * {@code stages} deep (0: the kernel's own depth) in stages of {@code sliceK} K values, fed by
   * a producer warpgroup of its own where {@code specialised} ({@link
   * WgmmaHalfDataSource#specialisedSource}).
   */
  private record Tile(int warpgroups, int n, int stages, int sliceK, boolean specialised) {
    /** The tile with its kernel's own stage count and depth. */
    Tile(int warpgroups, int n) {
      this(warpgroups, n, 0, WgmmaGemmSource.SLICE_K, false);
    }

    int m() {
      return WgmmaGemmSource.TILE_M * warpgroups;
    }

    /** Threads a block: the consumers' warpgroups and the producer's. */
    int threads() {
      return WgmmaGemmSource.THREADS * (warpgroups + (specialised ? 1 : 0));
    }

    /**
     * "128x128", "128x128s6" in the sweep, "128x128k64s4" in stages 64 deep, "128x128k64s4ws"
     * warp-specialised.
     */
    String label() {
      return m() + "x" + n + (sliceK == WgmmaGemmSource.SLICE_K ? "" : "k" + sliceK)
          + (stages == 0 ? "" : "s" + stages) + (specialised ? "ws" : "");
    }

    /** HALF_DATA and HALF_ROWS: the stages of the tile's pipeline, its own or the sweep's. */
    int halfDataStages() {
      return stages == 0 ? WgmmaHalfDataSource.stages(warpgroups, n) : stages;
    }
  }

  private record Key(Tile tile, GemmEpilogue epilogue) {}

  private static final Tile T64 = new Tile(1, WgmmaGemmSource.TILE_N);
  private static final Tile T128 = new Tile(2, WgmmaGemmSource.TILE_N);
  /** On 16-bit data only, where cp.async keeps the operands out of registers. */
  private static final Tile T256 = new Tile(2, 2 * WgmmaGemmSource.TILE_N);

  /** HALF_ROWS: the copy kernel; its routes' copies, freed by release or close. */
  private final HalfRowsRoute.Copier copier;
  private final GemmWorkspaces copies;
  /** HALF_ROWS: the route {@link #enqueue} runs per shape (it holds the shape's copy). */
  private final HalfRowsRoute.ByShape direct = new HalfRowsRoute.ByShape();

  public WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this(driver, compiler, precision, Operands.FLOAT32, false);
  }

  private WgmmaGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision,
      Operands operands, boolean sweep) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
    this.operands = operands;
    this.sweep = sweep;
    this.copier = new HalfRowsRoute.Copier(driver, compiler, precision);
    this.copies = new GemmWorkspaces(driver);
  }

  /**
   * The GEMM on 16-bit operands in memory (fp16 or bf16, as {@code precision}): A as [M, K] and
   * B as B^T, [N, K], both contiguous along K, strides in elements; C stays float32. No variant
   * stores operands so yet: the device check measures it against cuBLAS on the same data.
   */
  public static WgmmaGemm onHalfData(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new WgmmaGemm(driver, compiler, precision, Operands.HALF_DATA, false);
  }

  /**
   * {@link #onHalfData} whose routes are every tile in every stage count of the device check's
   * sweep (3 to 8, where they fit 227 KB; routes "...-t128x256s6"), in stages 32 and 64 deep
   * ("...-t128x256k64s3", 128-byte swizzled), for the check to measure which depth of cp.async
   * pipeline each tile wants: more stages keep more copies in flight, fewer let more blocks share
   * a multiprocessor, deeper stages halve the barriers per K. Every tile also comes
   * warp-specialised, in 4 and 6 stages 64 deep where they fit ("...-t128x128k64s4ws"): copies
   * by a producer warpgroup, no block-wide barrier in the loop.
   */
  public static WgmmaGemm stageSweep(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new WgmmaGemm(driver, compiler, precision, Operands.HALF_DATA, true);
  }

  /**
   * The GEMM of float32 A by a weight read as its 16-bit B^T copy ({@link HalfWeights}): its
   * routes {@link GemmRoute#readsHalfB}, so a variant gives them the copy it keeps per device, as
   * it does the generated "-hb" routes. A contiguous along K, K and A's strides multiples of 4.
   */
  public static WgmmaGemm onWeights(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new WgmmaGemm(driver, compiler, precision, Operands.HALF_WEIGHTS, false);
  }

  /**
   * The GEMM of float32 A by a weight whose every route first copies A into 16-bit rows ({@link
   * HalfRows}, into a copy the route holds) and then runs {@link #onHalfData}'s kernel on that
   * copy and the weight's 16-bit B^T copy ({@link GemmRoute#readsHalfB}): the tensor cores then
   * read 16-bit data from shared memory, as torch's autocast GEMMs do, for one more pass over A.
   * Any A strides; K is padded to a multiple of 8 with zeros on both sides.
   */
  public static WgmmaGemm onHalfRows(GpuDriver driver, KernelCompiler compiler,
      GemmPrecision precision) {
    return new WgmmaGemm(driver, compiler, precision, Operands.HALF_ROWS, false);
  }

  @Override
  public String name() {
    return "wgmma-" + precision.confName() + switch (operands) {
      case FLOAT32 -> "";
      case HALF_DATA -> sweep ? "-data-stages" : "-data";
      case HALF_WEIGHTS -> "-weights";
      case HALF_ROWS -> "-rows";
    };
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
    if (operands == Operands.HALF_DATA && (s.aCol() != 1 || s.bRow() != 1 || s.k() % 8 != 0
        || s.aRow() % 8 != 0 || s.bCol() % 8 != 0 || s.aBatch() % 8 != 0
        || s.bBatch() % 8 != 0)) {
      return "16-bit data needs A and B^T contiguous along K and K, row strides and batch"
          + " strides in multiples of 8 elements (16-byte copies)";
    }
    if (operands == Operands.HALF_WEIGHTS) {
      String why = GemmKernels.asyncHalfBWhyNot(precision, s);
      if (why != null) {
        return why;
      }
    }
    if (operands == Operands.HALF_ROWS) {
      String why = HalfWeights.whyNot(precision, s);
      if (why == null) {
        why = HalfRows.whyNot(s);
      }
      if (why != null) {
        return why;
      }
    }
    return GemmKernels.whyNot(s);
  }

  /**
   * Runs {@code s} on 128 x 128 tiles (two warpgroups); {@link #routes} offers others too. On
   * 16-bit rows the first call of a shape allocates the shape's copy of A, kept until {@link
   * #close}: make it before any capture.
   */
  @Override
  public void enqueue(GemmShape s, long a, long b, long c, long bias) {
    if (operands == Operands.HALF_ROWS) {
      String why = whyNot(s);
      if (why != null) {
        throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
      }
      direct.get(s, k -> rowsRoute(k, T128)).enqueue(a, b, c, bias);
      return;
    }
    enqueue(s, T128, a, b, c, bias);
  }

  private void enqueue(GemmShape s, Tile tile, long a, long b, long c, long bias) {
    String why = whyNot(s);
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s + ": " + why);
    }
    if (operands != Operands.FLOAT32 && ((a | b) & 15) != 0) {
      throw new IllegalArgumentException(name() + ": A and B must be 16-byte aligned");
    }
    launch(s, tile, a, b, c, bias);
  }

  /** The launch of {@code tile}'s kernel over {@code s}, as the kernel reads it. */
  private void launch(GemmShape s, Tile tile, long a, long b, long c, long bias) {
    Dim3 grid = Dim3.of(GemmKernels.ceilDiv(s.n(), tile.n()),
        GemmKernels.ceilDiv(s.m(), tile.m()), s.batch());
    int shared = switch (operands) {
      case FLOAT32 -> 0;
      case HALF_DATA, HALF_ROWS -> WgmmaHalfDataSource.sharedBytes(tile.warpgroups(), tile.n(),
          tile.halfDataStages(), tile.sliceK());
      case HALF_WEIGHTS -> WgmmaWeightsSource.sharedBytes(tile.warpgroups(), tile.n());
    };
    driver.launch(kernel(tile, s.epilogue()), grid, Dim3.of(tile.threads()), shared,
        GemmKernels.args(a, b, c, bias,
            operands == Operands.HALF_WEIGHTS ? HalfWeights.kernelShape(s) : s));
  }

  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    List<Tile> tiles = new ArrayList<>();
    if (sweep) {
      for (int k : WgmmaHalfDataSource.SLICES) {
        tiles.addAll(sweep(WgmmaHalfDataSource.SWEEP, k, false));
      }
      tiles.addAll(sweep(WgmmaHalfDataSource.SPECIALISED_SWEEP,
          WgmmaHalfDataSource.SPECIALISED_SLICE_K, true));
    } else if (operands == Operands.HALF_DATA || operands == Operands.HALF_ROWS) {
      tiles.addAll(List.of(T128, T256, T64));
    } else {
      tiles.addAll(List.of(T128, T64));
    }
    List<GemmRoute> routes = new ArrayList<>();
    for (Tile tile : tiles) {
      if (operands == Operands.HALF_ROWS) {
        routes.add(rowsRoute(s, tile));
        continue;
      }
      String route = name() + "-t" + tile.label();
      Runnable compile = () -> image(tile, s.epilogue());
      GemmRoute.Enqueue enqueue = (a, b, c, bias) -> enqueue(s, tile, a, b, c, bias);
      routes.add(operands == Operands.HALF_WEIGHTS
          ? GemmRoute.ofHalfB(route, s, precision, compile, enqueue)
          : GemmRoute.of(route, s, precision, compile, enqueue));
    }
    return routes;
  }

  /** Each tile in each of {@code stageCounts} that fits, stages {@code sliceK} deep. */
  private static List<Tile> sweep(List<Integer> stageCounts, int sliceK, boolean specialised) {
    List<Tile> tiles = new ArrayList<>();
    for (Tile t : List.of(T64, T128, T256)) {
      stageCounts.stream()
          .filter(st -> WgmmaHalfDataSource.fits(t.warpgroups(), t.n(), st, sliceK))
          .forEach(st -> tiles.add(new Tile(t.warpgroups(), t.n(), st, sliceK, specialised)));
    }
    return tiles;
  }

  private String name(Tile tile, GemmEpilogue e) {
    String base = "ember_gemm_" + precision.confName() + "_wgmma_t" + tile.label() + e.suffix();
    return switch (operands) {
      case FLOAT32 -> kernelName(precision, tile.warpgroups(), e);
      case HALF_DATA, HALF_ROWS -> base + "_data";
      case HALF_WEIGHTS -> base + "_weights";
    };
  }

  private byte[] image(Tile tile, GemmEpilogue e) {
    String source = switch (operands) {
      case FLOAT32 -> source(precision, tile.warpgroups(), e);
      case HALF_DATA, HALF_ROWS -> e.function() + (tile.specialised()
          ? WgmmaHalfDataSource.specialisedSource(precision, name(tile, e), tile.warpgroups(),
              tile.n(), tile.stages())
          : WgmmaHalfDataSource.source(precision, name(tile, e), tile.warpgroups(), tile.n(),
              tile.halfDataStages(), tile.sliceK()));
      case HALF_WEIGHTS -> e.function() + WgmmaWeightsSource.source(precision, name(tile, e),
          tile.warpgroups(), tile.n());
    };
    return compiler.compile(source, "sm_90a", name(tile, e) + ".cu");
  }

  private Object kernel(Tile tile, GemmEpilogue e) {
    return kernels.computeIfAbsent(new Key(tile, e), k -> {
      String name = name(tile, e);
      return driver.load(image(tile, e), List.of(name)).get(name);
    });
  }

  /** A HALF_ROWS route: A copied into 16-bit rows, then the 16-bit-data kernel on {@code tile}. */
  private GemmRoute rowsRoute(GemmShape s, Tile tile) {
    return new HalfRowsRoute(name() + "-t" + tile.label(), s, precision, copier,
        copies.lease(), () -> image(tile, s.epilogue()),
        (a16, b16, c, bias) -> launch(HalfRows.kernelShape(s), tile, a16, b16, c, bias));
  }

  /** Frees the copies of A that HALF_ROWS routes and {@link #enqueue} still hold. */
  @Override
  public void close() {
    direct.clear();
    copies.freeAll();
  }
}
