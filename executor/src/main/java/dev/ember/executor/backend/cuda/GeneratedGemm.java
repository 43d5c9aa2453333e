package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GemmKernels.Geometry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A {@link GpuGemm} running Ember's own kernel ({@link GemmKernels}) for one precision: the
 * fallback where cuBLAS does not load, and the GEMM the host emulator runs (every precision).
 *
 * <p>Each tile's kernel ({@link MmaTile}) is compiled for the driver's architecture on first use
 * of a shape that picks it; compiling is thread-safe and happens once per tile and instance.
 * {@link #routes} offers every tile that can run a shape, and for thin shapes the same kernels
 * cut along K ({@link SplitK}); split routes hold a workspace each, freed by {@link
 * GemmRoute#release} or {@link #close}.
 */
public final class GeneratedGemm implements GpuGemm {
  private final GpuDriver driver;
  private final KernelCompiler compiler;
  private final GemmPrecision precision;
  /** Loaded kernels by name, on first use. */
  private final Map<String, Object> kernels = new HashMap<>();
  /** Compiled images by kernel name, made by any thread (NVRTC needs no device). */
  private final Map<String, byte[]> images = new ConcurrentHashMap<>();
  /** Split-K reduce images per epilogue, made by any thread. */
  private final Map<GemmEpilogue, byte[]> reduceImages = new ConcurrentHashMap<>();
  private final Map<GemmEpilogue, Object> reduceKernels = new HashMap<>();
  private final GemmWorkspaces workspaces;
  /** Copies A into 16-bit rows for the "-hab" routes. */
  private final HalfRowsRoute.Copier copier;

  /**
   * One kernel of this GEMM: its name, unique per tile, epilogue and operands read in 16 bits
   * (the precision is the instance's), and how to write its source when it is first compiled.
   */
  private record Kernel(String name, Supplier<String> source) {
    /** A tensor-core tile's kernel, or FP32's reference SIMT kernel for a null tile. */
    static Kernel of(GemmPrecision p, MmaTile tile, GemmEpilogue e, HalfOperands h) {
      MmaTile t = tile == null ? MmaTile.T128_K32 : tile;
      return new Kernel(GemmKernels.kernelName(p, t, e, h), () -> GemmKernels.source(p, t, e, h));
    }

    /** FP32's register-blocked SIMT kernel for {@code t}. */
    static Kernel of(SimtTile t, GemmEpilogue e) {
      return new Kernel(GemmKernels.kernelName(t, e), () -> GemmKernels.source(t, e));
    }
  }

  public GeneratedGemm(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
    this.driver = driver;
    this.compiler = compiler;
    this.precision = precision;
    this.workspaces = new GemmWorkspaces(driver);
    this.copier = new HalfRowsRoute.Copier(driver, compiler, precision);
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
   * {@link MmaTile#forShape} picks: for measuring that choice. FP32 runs its SIMT kernel, or on a
   * pipelined tile its 3xTF32 one ({@link GemmKernels#splitsTf32}, sm_80 and later).
   */
  public void enqueue(GemmShape s, MmaTile tile, long a, long b, long c, long bias) {
    String why = whyNot(s);
    boolean split = GemmKernels.splitsTf32(precision, tile);
    if (why == null && split) {
      why = splitWhyNot(s);
    }
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot run " + s
          + (split ? " on " + tile.suffix() : "") + ": " + why);
    }
    MmaTile t = precision == GemmPrecision.FP32 && !split ? null : tile;
    if (t != null && t.stages() > 0 && ((a | b) & 15) != 0) {
      t = split ? null : t.synchronous(); // cp.async copies 16 aligned bytes
    }
    launch(s, t, HalfOperands.NONE, a, b, c, bias);
  }

  /** Null when FP32's 3xTF32 kernels can run {@code s} here (sm_80, cp.async operands). */
  private String splitWhyNot(GemmShape s) {
    String arch = driver.device().arch();
    if (!GemmKernels.runsOn(GemmPrecision.TF32, arch)) {
      return "fp32 on tensor cores (3xTF32) needs " + GemmKernels.minimumArch(GemmPrecision.TF32)
          + " or newer, but " + driver.device() + " is " + arch;
    }
    return GemmKernels.asyncWhyNot(s);
  }

  /**
   * Runs {@code s} on {@code tile} with B read from {@code b16}, B's 16-bit copy ({@link
   * HalfWeights#convert}) instead of B itself: what {@link #routes}' "-hb" routes run.
   */
  public void enqueueHalfB(GemmShape s, MmaTile tile, long a, long b16, long c, long bias) {
    String why = whyNot(s);
    if (why == null) {
      why = tile.stages() > 0 ? GemmKernels.asyncHalfBWhyNot(precision, s)
          : HalfWeights.whyNot(precision, s);
    }
    if (why != null) {
      throw new IllegalArgumentException(name() + " cannot read B in 16 bits for " + s + ": "
          + why);
    }
    if (tile.stages() > 0 && ((a | b16) & 15) != 0) {
      throw new IllegalArgumentException(name() + ": A and B's 16-bit copy must be 16-byte"
          + " aligned for cp.async");
    }
    launch(s, tile, HalfOperands.B, a, b16, c, bias);
  }

  /**
   * Launches tile {@code t}'s kernel over {@code s}, {@code h} read in 16 bits: B as its B^T copy
   * at {@code b}, and A too as its rows' copy at {@code a} ({@link HalfRowsRoute}).
   */
  private void launch(GemmShape s, MmaTile t, HalfOperands h, long a, long b, long c,
      long bias) {
    GemmShape k = switch (h) {
      case NONE -> s;
      case B -> HalfWeights.kernelShape(s);
      case A_AND_B -> HalfRows.kernelShape(s);
    };
    Geometry geo = GemmKernels.geometry(precision, k, t, h);
    driver.launch(kernel(Kernel.of(precision, t, s.epilogue(), h)), geo.grid(), geo.block(),
        geo.sharedBytes(), GemmKernels.args(a, b, c, bias, k));
  }

  /**
   * The routes for {@code s}: {@link MmaTile#forShape}'s tile first (where B is a weight at fp16
   * or bf16, {@link HalfWeights}, first its pipelined version reading B in 16 bits, unless it is
   * the register-loaded 128x128 tile, then the rule's tile with float32 B); every other tile that
   * can run it (cp.async tiles only where its operands allow), each also with B in 16 bits where
   * B is a weight (pipelined ones where A allows cp.async), and each pipelined one also on 16-bit
   * rows of A the route copies first ("-hab", {@link HalfRowsRoute}, any A strides); and where
   * the first tile makes fewer than {@link MmaTile#ENOUGH_BLOCKS} blocks, each {@link
   * SplitK#COUNTS} split that fits, on the tile its slices pick (at fp32 also on each SIMT tile).
   * FP32 offers its reference SIMT kernel first, then the register-blocked SIMT kernel on each
   * {@link SimtTile} (the same sums, bit for bit, in fewer instructions), then on sm_80 and
   * later, where cp.async can copy the operands, the 3xTF32 kernel on the (pipelined) tile tf32
   * picks for {@code s}, and each split also as 3xTF32 slices: the tuner takes one where it is
   * faster and within fp32's tolerance. One 3xTF32 tile per shape, not every tile as at tf32:
   * each route offered is one more the tuner compiles and times for every fp32 shape. Empty when
   * {@link #whyNot} refuses {@code s}.
   */
  @Override
  public List<GemmRoute> routes(GemmShape s) {
    if (whyNot(s) != null) {
      return List.of();
    }
    List<GemmRoute> routes = new ArrayList<>();
    MmaTile first = GemmKernels.tile(precision, s);
    boolean weight = first != null && HalfWeights.whyNot(precision, s) == null;
    boolean halfB = first != null && GemmKernels.asyncHalfBWhyNot(precision, s) == null;
    // The rule's tile, pipelined, reading half the bytes of B: also where float32 B kept the
    // rule off cp.async (B transposed, as Gemm's transB gives it), but not for the 128x128 tile
    // of large outputs, whose register-loaded kernel beat the pipelined 64x64 one on a GPU.
    MmaTile halfFirst = halfB && first != MmaTile.T128_K32 ? first.pipelined() : null;
    if (halfFirst != null) {
      routes.add(halfBRoute(s, halfFirst));
    }
    routes.add(tileRoute(s, first));
    if (first != null) {
      for (MmaTile t : MmaTile.values()) {
        if (t != first && (t.stages() == 0 || GemmKernels.asyncWhyNot(s) == null)) {
          routes.add(tileRoute(s, t));
        }
        if (weight && t != halfFirst && (t.stages() == 0 || halfB)) {
          routes.add(halfBRoute(s, t));
        }
        if (weight && t.stages() > 0 && HalfRows.whyNot(s) == null) {
          routes.add(halfRowsRoute(s, t));
        }
      }
    }
    if (first == null) { // fp32's register-blocked SIMT tiles, for the tuner
      for (SimtTile t : SimtTile.values()) {
        routes.add(simtRoute(s, t));
      }
    }
    if (first == null && splitWhyNot(s) == null) { // fp32 on tensor cores, for the tuner
      // On tf32's tile for s alone: with cp.async allowed its rule picks a pipelined one.
      routes.add(tileRoute(s, MmaTile.forShape(GemmPrecision.TF32, s)));
    }
    long blocks = first == null ? GemmKernels.simtBlocks(s) : first.blocks(s);
    if (blocks < MmaTile.ENOUGH_BLOCKS) {
      for (int splits : SplitK.COUNTS) {
        if (SplitK.whyNot(s, splits) == null) {
          GemmShape part = SplitK.partial(s, splits);
          routes.add(new SplitRoute(s, splits, tileRoute(part, GemmKernels.tile(precision,
              part))));
          if (first == null) { // the slices on each register-blocked SIMT tile
            for (SimtTile t : SimtTile.values()) {
              routes.add(new SplitRoute(s, splits, simtRoute(part, t)));
            }
          }
          if (first == null && splitWhyNot(part) == null) { // the slices as 3xTF32
            routes.add(new SplitRoute(s, splits, tileRoute(part, MmaTile.forShape(
                GemmPrecision.TF32, part))));
          }
        }
      }
    }
    return routes;
  }

  /** "nvrtc-tf32-t64k16s4"; "nvrtc-fp32" for the SIMT kernel, "nvrtc-fp32-3xtf32-t64k16s4". */
  private String routeName(MmaTile tile) {
    return tile == null ? name() : GemmKernels.splitsTf32(precision, tile)
        ? name() + "-3xtf32-" + tile.suffix() : name() + "-" + tile.suffix();
  }

  @Override
  public void close() {
    workspaces.freeAll();
  }

  /** One tile's kernel over the whole shape, B read as its 16-bit copy. */
  private GemmRoute halfBRoute(GemmShape s, MmaTile tile) {
    return GemmRoute.ofHalfB(routeName(tile) + HalfOperands.B.routeSuffix(), s, precision,
        () -> image(Kernel.of(precision, tile, s.epilogue(), HalfOperands.B)),
        (a, b16, c, bias) -> enqueueHalfB(s, tile, a, b16, c, bias));
  }

  /**
   * One pipelined tile's kernel over the whole shape on 16-bit copies of both operands: A's rows
   * copied by the route before each product ({@link HalfRowsRoute}), B the weight's copy.
   */
  private GemmRoute halfRowsRoute(GemmShape s, MmaTile tile) {
    Kernel key = Kernel.of(precision, tile, s.epilogue(), HalfOperands.A_AND_B);
    return new HalfRowsRoute(routeName(tile) + HalfOperands.A_AND_B.routeSuffix(), s, precision,
        copier, workspaces.lease(), () -> image(key),
        (a16, b16, c, bias) -> launch(s, tile, HalfOperands.A_AND_B, a16, b16, c, bias));
  }

  /** FP32's register-blocked SIMT kernel on {@code t} over the shape ("nvrtc-fp32-s64x64"). */
  private GemmRoute simtRoute(GemmShape s, SimtTile t) {
    Kernel k = Kernel.of(t, s.epilogue());
    Geometry geo = GemmKernels.geometry(s, t);
    return GemmRoute.of(name() + "-" + t.suffix(), s, precision, () -> image(k),
        (a, b, c, bias) -> driver.launch(kernel(k), geo.grid(), geo.block(), geo.sharedBytes(),
            GemmKernels.args(a, b, c, bias, s)));
  }

  /** One tile's kernel over the whole shape. */
  private GemmRoute tileRoute(GemmShape s, MmaTile tile) {
    return GemmRoute.of(routeName(tile), s, precision, () -> image(Kernel.of(precision, tile,
        s.epilogue(), HalfOperands.NONE)), (a, b, c, bias) -> enqueue(s, tile, a, b, c, bias));
  }

  /**
   * The shape's K cut into slices, each multiplied by {@code part} (a route over {@link
   * SplitK#partial}'s batch of slices) into a workspace that the reduce kernel sums ({@link
   * SplitK}).
   */
  private final class SplitRoute implements GemmRoute {
    private final GemmShape shape;
    private final int splits;
    private final GemmRoute part;
    private final GemmWorkspaces.Lease workspace = workspaces.lease();

    SplitRoute(GemmShape shape, int splits, GemmRoute part) {
      this.shape = shape;
      this.splits = splits;
      this.part = part;
    }

    @Override
    public String name() {
      return part.name() + "-split" + splits;
    }

    @Override
    public GemmShape shape() {
      return shape;
    }

    @Override
    public GemmPrecision precision() {
      return precision;
    }

    @Override
    public void enqueue(long a, long b, long c, long bias) {
      long w = workspace.at(SplitK.workspaceBytes(shape, splits));
      part.enqueue(a, b, w, 0L);
      Geometry geo = SplitK.reduceGeometry(shape);
      driver.launch(reduceKernel(shape.epilogue()), geo.grid(), geo.block(), geo.sharedBytes(),
          SplitK.reduceArgs(c, w, bias, shape, splits));
    }

    @Override
    public void compile() {
      part.compile();
      reduceImage(shape.epilogue());
    }

    @Override
    public void release() {
      part.release();
      workspace.release();
    }
  }

  private synchronized Object reduceKernel(GemmEpilogue e) {
    Object k = reduceKernels.get(e);
    if (k == null) {
      String name = SplitK.reduceKernel(e);
      k = driver.load(reduceImage(e), List.of(name)).get(name);
      reduceKernels.put(e, k);
    }
    return k;
  }

  private byte[] reduceImage(GemmEpilogue e) {
    return reduceImages.computeIfAbsent(e, k -> compiler.compile(SplitK.reduceSource(k),
        driver.device().arch(), SplitK.reduceKernel(k) + ".cu"));
  }

  /** The compiled image of one kernel, made once. */
  private byte[] image(Kernel k) {
    return images.computeIfAbsent(k.name(), name -> compiler.compile(k.source().get(),
        driver.device().arch(), name + ".cu"));
  }

  private synchronized Object kernel(Kernel k) {
    Object loaded = kernels.get(k.name());
    if (loaded == null) {
      loaded = driver.load(image(k), List.of(k.name())).get(k.name());
      kernels.put(k.name(), loaded);
    }
    return loaded;
  }
}
