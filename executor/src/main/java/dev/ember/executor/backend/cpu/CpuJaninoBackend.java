package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.gemm.GemmChoice;
import dev.ember.executor.backend.cpu.gemm.VectorGemm;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.lower.BufferPlan;
import dev.ember.executor.lower.LoweredGraph;
import dev.ember.executor.lower.Lowering;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CPU backend, "cpu-janino": lowers a graph into fused kernels (see {@link Lowering}),
 * generates one Java class for it and compiles it in memory with Janino (Spark's own code
 * compiler). GEMMs go to the fastest BLAS that loads ({@link GemmChoice}); nodes without
 * generated code run on their reference kernels. Graphs may have static shapes or symbolic dims,
 * whose sizes the generated code reads from the inputs at run time.
 *
 * <pre>{@code
 * Backend cpu = new CpuJaninoBackend();
 * CompiledVariant v = cpu.compile(graph, key);    // key.options() may set cpu.gemm
 * Map<String, Tensor> out = v.run(inputs);         // thread-safe
 * CompiledVariant again = cpu.load(graph, key, v.artifacts()); // no Janino
 * }</pre>
 *
 * <p>Options read from {@link VariantKey#options()}: {@code cpu.gemm} (auto, openblas, vector,
 * java, netlib; default auto), {@code cpu.gemmThreads} (default 1, OpenBLAS only, process-wide).
 */
public final class CpuJaninoBackend implements Backend {
  public static final String NAME = "cpu-janino";

  /** Bump when generated code changes, so that cached artifacts of older code are not loaded. */
  public static final int CODEGEN_VERSION = 2;

  public static final String SOURCE_FILE = "Kernel.java";
  public static final String TUNING_FILE = "tuning.json";
  public static final String EXPLAIN_FILE = "explain.txt";
  public static final String CLASS_DIR = "classes/";
  private static final String GENERATED_PACKAGE = "dev.ember.generated.";

  private final int logMaxLines;

  public CpuJaninoBackend() {
    this(500);
  }

  /** @param logMaxLines lines of numbered source logged when compilation fails */
  public CpuJaninoBackend(int logMaxLines) {
    this.logMaxLines = logMaxLines;
    // Gets the vector GEMM's kernel compiled while the model loads, so that a warm start's first
    // batch finds it ready (about 1 s after this, on a core the load leaves free).
    VectorGemm.warmUpEarly();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** What compile and load share: the lowering, the buffer plan and the generated source. */
  private record Prepared(LoweredGraph lowered, BufferPlan plan, CpuCodegen.Generated gen) {}

  private static Prepared prepare(Graph graph, VariantKey key) {
    LoweredGraph lowered = Lowering.lower(QuantizedCastFusion.apply(graph));
    BufferPlan plan = BufferPlan.of(lowered);
    String className = "Kernel_" + key.shortHash(CODEGEN_VERSION, 12);
    return new Prepared(lowered, plan, new CpuCodegen(lowered, plan, className).generate());
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    Prepared p = prepare(graph, key);
    CpuCodegen.Generated gen = p.gen();
    KernelLibraries.Loader libs = KernelLibraries.of(JaninoCompiler.parentLoader());
    Map<String, byte[]> files = new LinkedHashMap<>();
    Map<String, Integer> sizes = new TreeMap<>();
    if (gen.libraryName() != null) {
      String name = GENERATED_PACKAGE + gen.libraryName();
      KernelLibraries.Library lib = libs.library(name,
          () -> JaninoCompiler.compileLibrary(gen.libraryName(), gen.librarySource(), logMaxLines));
      files.put(CLASS_DIR + name + ".class", lib.bytes());
      sizes.putAll(lib.methodSizes());
    }
    JaninoCompiler.Compiled c =
        JaninoCompiler.compile(gen.className(), gen.programSource(), logMaxLines, libs);
    sizes.putAll(c.methodSizes());
    GemmChoice gemm = gemmFor(key, null);
    files.put(SOURCE_FILE, gen.source().getBytes(StandardCharsets.UTF_8));
    c.classes().forEach((name, bytes) -> files.put(CLASS_DIR + name + ".class", bytes));
    files.put(TUNING_FILE, tuning(gemm, sizes).getBytes(StandardCharsets.UTF_8));
    files.put(EXPLAIN_FILE, explain(p.lowered()).getBytes(StandardCharsets.UTF_8));
    return instantiate(graph, key, p, c.main(), gemm, new VariantArtifacts(files), sizes);
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    Prepared p = prepare(graph, key);
    byte[] saved = artifacts.get(SOURCE_FILE);
    if (saved == null || !new String(saved, StandardCharsets.UTF_8).equals(p.gen().source())) {
      throw misfit(key, saved == null ? SOURCE_FILE + " is missing"
          : "the saved source differs from what this Ember generates for the graph");
    }
    Map<String, byte[]> classes = new LinkedHashMap<>();
    for (String f : artifacts.names()) {
      if (f.startsWith(CLASS_DIR) && f.endsWith(".class")) {
        String name = f.substring(CLASS_DIR.length(), f.length() - ".class".length());
        classes.put(name, artifacts.get(f));
      }
    }
    KernelLibraries.Loader libs = KernelLibraries.of(JaninoCompiler.parentLoader());
    if (p.gen().libraryName() != null) {
      String name = GENERATED_PACKAGE + p.gen().libraryName();
      byte[] bytes = classes.remove(name);
      if (bytes == null) {
        throw misfit(key, "the kernel library class " + name + " is missing");
      }
      // The name hashes the library's source, which matched above: equal names, equal classes.
      libs.library(name, () -> new KernelLibraries.Library(bytes, Map.of()));
    }
    String mainName = GENERATED_PACKAGE + p.gen().className();
    Class<?> main;
    try {
      main = JaninoCompiler.define(classes, mainName, libs);
    } catch (ClassNotFoundException | LinkageError e) {
      throw misfit(key, "class " + mainName + " cannot be defined from the saved bytes: " + e);
    }
    byte[] tuning = artifacts.get(TUNING_FILE);
    String tuningText = tuning == null ? "" : new String(tuning, StandardCharsets.UTF_8);
    // A provisional choice (made before the vector kernel was measured) is measured again.
    String savedGemm = tuningText.contains("\"gemmProvisional\": true") ? null
        : field(tuningText, "gemm");
    GemmChoice gemm = gemmFor(key, savedGemm);
    return instantiate(graph, key, p, main, gemm, artifacts, Map.of());
  }

  private static EmberException misfit(VariantKey key, String why) {
    return Errors.of(ErrorCode.KERNEL_FAILED, "saved cpu-janino artifacts for " + key.canonical()
        + " do not fit: " + why, "delete the cache entry; it is rebuilt on the next compile");
  }

  private static CpuVariant instantiate(Graph graph, VariantKey key, Prepared p, Class<?> main,
      GemmChoice gemm, VariantArtifacts artifacts, Map<String, Integer> sizes) {
    List<Node> fb = p.gen().fallbacks();
    OpDef[] ops = new OpDef[fb.size()];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = OpRegistry.standard().lookup(fb.get(i));
    }
    CpuRuntime rt = new CpuRuntime(gemm.gemm(), fb.toArray(new Node[0]), ops);
    List<String> constNames = p.gen().constants();
    Tensor[] consts = new Tensor[constNames.size()];
    for (int i = 0; i < consts.length; i++) {
      consts[i] = graph.initializers().get(constNames.get(i));
    }
    CpuProgram program;
    try {
      program = (CpuProgram) main.getConstructor(Tensor[].class, CpuRuntime.class)
          .newInstance(consts, rt);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof EmberException ee) {
        throw ee;
      }
      throw Errors.of(ErrorCode.KERNEL_FAILED, "generated class " + main.getName()
          + " failed to initialise: " + cause, "report this as an Ember bug", cause);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw misfit(key, "class " + main.getName() + " is not a generated program: " + e);
    }
    return new CpuVariant(key, p.gen().source(), program, names(graph.inputs()),
        names(graph.outputs()), artifacts, p.lowered(), sizes, gemm.gemm().name());
  }

  private static GemmChoice gemmFor(VariantKey key, String saved) {
    String pref = key.options().getOrDefault("cpu.gemm", "auto");
    int threads = Integer.parseInt(key.options().getOrDefault("cpu.gemmThreads", "1"));
    if (pref.equals("auto") && saved != null) {
      try {
        return GemmChoice.choose(saved, threads);
      } catch (EmberException e) {
        // the saved choice does not load on this machine: measure again
      }
    }
    return GemmChoice.choose(pref, threads);
  }

  private static String tuning(GemmChoice gemm, Map<String, Integer> sizes) {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"codegenVersion\": ").append(CODEGEN_VERSION).append(",\n");
    sb.append("  \"gemm\": \"").append(gemm.gemm().name()).append("\",\n");
    sb.append("  \"gemmProvisional\": ").append(gemm.provisional()).append(",\n");
    sb.append("  \"gemmGflops\": {");
    List<String> parts = new ArrayList<>();
    gemm.gflops().forEach((k, v) -> parts.add("\"" + k + "\": " + v));
    sb.append(String.join(", ", parts)).append("},\n");
    sb.append("  \"gemmUnavailable\": {");
    parts.clear();
    gemm.unavailable().forEach((k, v) -> parts.add("\"" + k + "\": \"" + CpuCodegen.clean(v)
        + "\""));
    sb.append(String.join(", ", parts)).append("},\n");
    sb.append("  \"methodBytecodeBytes\": {");
    parts.clear();
    sizes.forEach((k, v) -> parts.add("\"" + k + "\": " + v));
    sb.append(String.join(", ", parts)).append("}\n}\n");
    return sb.toString();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": \"([^\"]*)\"").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static String explain(LoweredGraph lowered) {
    StringBuilder sb = new StringBuilder();
    lowered.explain().forEach((n, why) -> sb.append(n).append(": ").append(why).append('\n'));
    return sb.toString();
  }

  private static List<String> names(List<ValueInfo> vs) {
    List<String> out = new ArrayList<>();
    vs.forEach(v -> out.add(v.name()));
    return out;
  }

}
