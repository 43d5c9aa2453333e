package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.lower.Fusions;
import dev.ember.executor.lower.LoweredGraph;
import dev.ember.executor.lower.Lowering;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CUDA backend, "cuda-nvrtc": lowers a static-shape graph into fused kernels (the same
 * {@link Lowering} as the CPU backend), generates CUDA C for them ({@link CudaCodegen}), compiles
 * it with NVRTC for the device's architecture and runs it on a shared {@link CudaDevice}. GEMMs go
 * to cuBLAS or to generated tensor-core kernels ({@link GpuGemm}). At compile level 3 each variant
 * is captured into a CUDA graph when it is compiled ({@link CudaVariant}). A graph with nodes that
 * have no generated kernel is refused (UNSUPPORTED_OP, naming the ops); {@link CudaAutoBackend}
 * runs such nodes as host steps instead, or the whole variant on the CPU.
 *
 * <pre>{@code
 * CudaBackend cuda = new CudaBackend(CudaDevice.open(0), CudaOptions.defaults());
 * CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)).backend(cuda).build(graph);
 * }</pre>
 *
 * <p>The name carries the architecture and the GEMM ({@code cuda-nvrtc.sm_90.nvrtc-tf32}, with
 * {@code .tuned} when GEMM routes are measured), so the compile cache keeps one CUBIN per
 * architecture and GEMM choice. Each entry also records the route every GEMM shape took ({@link
 * #ROUTES_FILE}), which a warm start takes without measuring.
 */
public final class CudaBackend implements Backend {
  public static final String NAME = "cuda-nvrtc";

  /** Bump when generated code changes, so cached CUBINs of older code are not loaded. */
  public static final int CODEGEN_VERSION = 12;

  /** Widest attention head the fused kernel takes: its shared tiles grow with the head. */
  static final int MAX_FUSED_HEAD_DIM = 128;

  public static final String SOURCE_FILE = "kernels.cu";
  public static final String PROGRAM_FILE = "program.txt";
  /** The route each GEMM shape takes, with what the tuner measured ({@link GemmRoutes}). */
  public static final String ROUTES_FILE = "gemm-routes.json";

  /** How attention runs: what the backend does, and two older forms the device check measures. */
  private enum Attention {
    /** One fused kernel per layer, its products at the GEMM precision (tensor cores on sm_80+). */
    FUSED(""),
    /** One fused kernel per layer, in float32 on the CUDA cores at every precision. */
    FUSED_FLOAT32(".float32Attention"),
    /** Batched GEMMs and kernels of their own, as before fusion. */
    UNFUSED(".unfusedAttention");

    final String suffix;

    Attention(String suffix) {
      this.suffix = suffix;
    }
  }

  private final CudaDevice device;
  private final CudaOptions options;
  private final GpuGemm gemm;
  private final Attention attention;

  public CudaBackend(CudaDevice device, CudaOptions options) {
    this(device, options, Attention.FUSED);
  }

  private CudaBackend(CudaDevice device, CudaOptions options, Attention attention) {
    this.device = device;
    this.options = options;
    this.gemm = device.gemm(options);
    this.attention = attention;
  }

  /**
   * The backend as it was before attention was fused: scores and context as batched GEMMs,
   * softmax, scale, mask and head transposes as kernels of their own, no elementwise chain
   * folded into a GEMM's epilogue and no GEMMs merged. For measuring the fused
   * attention kernel against that path in one device run (the device check); no setting uses it.
   */
  public static CudaBackend withoutAttentionFusion(CudaDevice device, CudaOptions options) {
    return new CudaBackend(device, options, Attention.UNFUSED);
  }

  /**
   * The backend with fused attention in float32 on the CUDA cores at every precision, as it ran
   * before its products moved to tensor cores. For measuring the two kernels in one device run
   * (the device check); no setting uses it.
   */
  public static CudaBackend withFloat32Attention(CudaDevice device, CudaOptions options) {
    return new CudaBackend(device, options, Attention.FUSED_FLOAT32);
  }

  @Override
  public String name() {
    return NAME + "." + device.info().arch() + "." + gemm.name()
        + (options.gemmTuning() ? ".tuned" : "") + attention.suffix;
  }

  /**
   * The precision fused attention multiplies at on tensor cores: the GEMMs' (fp32 as 3xTF32)
   * where the device has tf32's mma, sm_80 and later; null: float32 on the CUDA cores.
   */
  GemmPrecision tensorCoreAttention() {
    boolean mma = GemmKernels.runsOn(GemmPrecision.TF32, device.info().arch());
    return attention == Attention.FUSED && mma ? device.precision(options) : null;
  }

  /** The device this backend runs on. */
  public CudaDevice device() {
    return device;
  }

  /** The GEMM implementation in use. */
  public String gemmName() {
    return gemm.name();
  }

  private String cubinFile() {
    return "kernels." + device.info().arch() + ".cubin";
  }

  /**
   * Compiles {@code graph}, every node on a generated kernel.
   *
   * @throws EmberException UNSUPPORTED_OP naming the ops without CUDA kernels, or the values whose
   *     shapes are not static
   */
  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    return compile(generate(graph), key);
  }

  /** Compiles a program generated already (with host steps, by {@link CudaPlacement}). */
  CompiledVariant compile(CudaProgram program, VariantKey key) {
    String arch = device.info().arch();
    byte[] image = program.kernelNames().isEmpty() ? new byte[0]
        : device.compiler().compile(program.source(), arch, programName(key));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(SOURCE_FILE, program.source().getBytes(StandardCharsets.UTF_8));
    files.put(cubinFile(), image);
    GemmRoutes routes = GemmRoutes.resolve(device, options, gemmShapes(program), Map.of());
    files.put(PROGRAM_FILE, describe(program, routes).getBytes(StandardCharsets.UTF_8));
    files.put(ROUTES_FILE, routes.json());
    return new CudaVariant(key, program, device, routes, image, new VariantArtifacts(files),
        options);
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    return load(generate(graph), key, artifacts);
  }

  /** Rebuilds a variant of a program generated already from its saved artifacts. */
  CompiledVariant load(CudaProgram program, VariantKey key, VariantArtifacts artifacts) {
    byte[] saved = artifacts.get(SOURCE_FILE);
    byte[] image = artifacts.get(cubinFile());
    if (saved == null || image == null) {
      throw misfit(key, (saved == null ? SOURCE_FILE : cubinFile()) + " is missing");
    }
    if (!new String(saved, StandardCharsets.UTF_8).equals(program.source())) {
      throw misfit(key, "the saved source differs from what this Ember generates");
    }
    GemmRoutes routes = GemmRoutes.resolve(device, options, gemmShapes(program),
        GemmRoutes.parse(artifacts.get(ROUTES_FILE)));
    try {
      return new CudaVariant(key, program, device, routes, image, artifacts, options);
    } catch (EmberException e) {
      throw misfit(key, "the saved CUBIN does not load: " + e.getMessage());
    }
  }

  private static List<GemmShape> gemmShapes(CudaProgram program) {
    return program.steps().stream().filter(s -> s instanceof CudaProgram.Gemm)
        .map(s -> ((CudaProgram.Gemm) s).shape()).distinct().toList();
  }

  private CudaProgram generate(Graph graph) {
    LoweredGraph lowered = attention == Attention.UNFUSED
        ? Fusions.gemmBias(Lowering.lower(graph)) : lower(graph);
    return new CudaCodegen(lowered, false, tensorCoreAttention()).generate();
  }

  /** The kernels the CUDA backend generates for {@code graph}. */
  static LoweredGraph lower(Graph graph) {
    return Fusions.gemmGroups(Fusions.gemmEpilogue(
        Fusions.attention(Fusions.gemmBias(Lowering.lower(graph)), MAX_FUSED_HEAD_DIM)));
  }

  /** All on the GPU, or why this backend refuses {@code graph}. */
  @Override
  public String placement(Graph graph) {
    try {
      generate(graph);
      return "all on the GPU";
    } catch (EmberException e) {
      return "refused: " + e.getMessage();
    } catch (IllegalStateException | IllegalArgumentException e) {
      return "refused: the CUDA code generator cannot take it: " + e.getMessage();
    }
  }

  private static String programName(VariantKey key) {
    return "ember_" + key.shortHash(CODEGEN_VERSION, 12) + ".cu";
  }

  /** Steps and buffers in words, saved beside the source for whoever reads the cache. */
  static String describe(CudaProgram p) {
    return describe(p, null);
  }

  /** {@link #describe(CudaProgram)} with the route each GEMM takes, where known. */
  static String describe(CudaProgram p, GemmRoutes routes) {
    StringBuilder sb = new StringBuilder("buffers:\n");
    for (int i = 0; i < p.buffers().size(); i++) {
      CudaProgram.Buffer b = p.buffers().get(i);
      sb.append("  #").append(i).append(' ').append(b.kind()).append(' ').append(b.dtype())
          .append(' ').append(b.bytes()).append(" B ").append(b.name()).append('\n');
    }
    sb.append("steps:\n");
    for (CudaProgram.Step s : p.steps()) {
      if (s instanceof CudaProgram.Launch l) {
        sb.append("  launch ").append(l.kernel()).append(" grid ").append(l.grid())
            .append(" block ").append(l.block()).append(": ").append(l.label()).append('\n');
      } else if (s instanceof CudaProgram.Host h) {
        sb.append("  host ").append(h.step().node().opType()).append(", ")
            .append(h.step().downloadBytes()).append(" B down, ").append(h.step().uploadBytes())
            .append(" B up: ").append(h.label()).append('\n');
      } else {
        CudaProgram.Gemm g = (CudaProgram.Gemm) s;
        sb.append("  gemm ").append(g.shape()).append(": ").append(g.label());
        if (routes != null) {
          sb.append(" -> ").append(routes.get(g.shape()).name());
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static EmberException misfit(VariantKey key, String why) {
    return Errors.of(ErrorCode.KERNEL_FAILED, "saved " + NAME + " artifacts for "
        + key.canonical() + " do not fit: " + why,
        "delete the cache entry; it is rebuilt on the next compile");
  }
}
