package dev.ember.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.ml.TreeCodegen;
import dev.ember.executor.passes.Specializer;
import java.lang.reflect.Method;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows per second of one tree ensemble (TreeEnsembleRegressor, XGBoost-like random forests) on
 * Ember's generated forest code, Ember's reference kernel (the interpreter) and ONNX Runtime on
 * one thread, on the same model and rows, in interleaved rounds after a warm-up; plus the same
 * generated walk with other row blocks (1 row: all trees per row; 64 and 256 rows per tree).
 *
 * <pre>
 * java -cp ... dev.ember.bench.TreeBenchmark [--forest TREESxDEPTHxFEATURES]... [--rows 4000]
 *     [--batch 1000] [--rounds 5] [--nan 0.02]
 * </pre>
 */
public final class TreeBenchmark {
  private static final double WARM_UP_SECONDS = 8;

  private interface Engine {
    float[] run(Tensor x, float[] raw, int rows) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    List<int[]> forests = new ArrayList<>();
    int rows = 4000;
    int batch = 1000;
    int rounds = 5;
    double nan = 0.02;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--forest" -> forests.add(Arrays.stream(args[i + 1].split("x"))
            .mapToInt(Integer::parseInt).toArray());
        case "--rows" -> rows = Integer.parseInt(args[i + 1]);
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--nan" -> nan = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (forests.isEmpty()) {
      forests = List.of(new int[] {100, 6, 20}, new int[] {500, 8, 50}, new int[] {300, 10, 30});
    }
    Machine.describe().forEach(System.out::println);
    System.out.println("load average before: " + Machine.loadAverage());
    for (int[] f : forests) {
      run(f[0], f[1], f[2], rows, batch, rounds, nan);
    }
    System.out.println("load average after: " + Machine.loadAverage());
  }

  private static void run(int trees, int depth, int features, int rows, int batch, int rounds,
      double nan) throws Exception {
    TreeBenchForest forest = new TreeBenchForest(42, trees, depth, features);
    byte[] model = forest.onnx();
    float[] x = forest.rows(rows, nan, 7);
    Graph g = OnnxLoader.load(model, "forest.onnx").graph();
    Graph s = Specializer.specialize(g, Map.of("X", new int[] {batch, features}));
    System.out.printf(Locale.ROOT, "%nforest: %d trees, depth %d, %d features, %d nodes, %d "
        + "leaves; %d rows in batches of %d, %.0f%% NaN%n", trees, depth, features,
        forest.feature.size(), forest.leafValue.size(), rows, batch, nan * 100);

    Map<String, Engine> engines = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    CompiledVariant v = new CpuJaninoBackend().compile(s, new VariantKey("forest" + trees,
        CpuJaninoBackend.NAME, Map.of(), Map.of("cpu.gemm", "java")));
    System.out.printf(Locale.ROOT, "ember compile (codegen + Janino): %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
    engines.put("ember generated", (t, raw, n) -> v.run(Map.of("X", t)).get("Y").rawFloats());
    Interpreter ref = new Interpreter(s, OpRegistry.standard());
    engines.put("ember reference", (t, raw, n) -> ref.run(Map.of("X", t)).get("Y").rawFloats());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(1);
    OrtSession ort = env.createSession(model, opts);
    engines.put("onnxruntime 1t", (t, raw, n) -> {
      try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(raw),
          new long[] {n, features}); OrtSession.Result r = ort.run(Map.of("X", in))) {
        float[][] y = (float[][]) r.get(0).getValue();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = y[i][0];
        }
        return out;
      }
    });
    for (int block : new int[] {1, 64, 256}) {
      Method m = blockVariant(s, block);
      engines.put("generated, block " + block,
          (t, raw, n) -> ((Tensor[]) m.invoke(null, t))[0].rawFloats());
    }
    measure(engines, x, rows, batch, features, rounds);
    ort.close();
  }

  /** The generated forest alone with another row block, compiled without the backend. */
  private static Method blockVariant(Graph s, int block) throws Exception {
    String name = "TreeBlock" + block;
    String src = "package dev.ember.generated;\nimport dev.ember.executor.ir.DType;\n"
        + "import dev.ember.executor.ir.Tensor;\npublic final class " + name + " {\n"
        + TreeCodegen.nestedClass(s.nodes().get(0), DType.FLOAT, "F", block)
        + "public static Tensor[] go(Tensor x) { return F.run(x); }\n}\n";
    return JaninoCompiler.compile(name, src, 50).main().getMethod("go", Tensor.class);
  }

  private static void measure(Map<String, Engine> engines, float[] x, int rows, int batch,
      int features, int rounds) throws Exception {
    List<Tensor> tensors = new ArrayList<>();
    List<float[]> raws = new ArrayList<>();
    for (int from = 0; from < rows; from += batch) {
      float[] b = Arrays.copyOfRange(x, from * features, (from + batch) * features);
      raws.add(b);
      tensors.add(Tensor.ofFloats(new int[] {batch, features}, b));
    }
    Map<String, float[]> first = new LinkedHashMap<>();
    for (Map.Entry<String, Engine> e : engines.entrySet()) {
      first.put(e.getKey(), e.getValue().run(tensors.get(0), raws.get(0), batch));
      // Warm-up: at least WARM_UP_SECONDS per engine, so that C2 has compiled the tree methods
      // (hundreds of methods of a few KB each take seconds on a loaded machine).
      long until = System.nanoTime() + (long) (WARM_UP_SECONDS * 1e9);
      for (int w = 0; w < 3 || System.nanoTime() < until; w++) {
        for (int b = 0; b < tensors.size(); b++) {
          e.getValue().run(tensors.get(b), raws.get(b), batch);
        }
      }
    }
    float[] want = first.get("ember reference");
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    engines.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
    List<String> names = new ArrayList<>(engines.keySet());
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.size(); k++) {
        String name = names.get((r + k) % names.size());
        Engine e = engines.get(name);
        long t = System.nanoTime();
        for (int b = 0; b < tensors.size(); b++) {
          e.run(tensors.get(b), raws.get(b), batch);
        }
        rates.get(name).add(rows / ((System.nanoTime() - t) / 1e9));
      }
    }
    double ortRate = median(rates.get("onnxruntime 1t"));
    double refRate = median(rates.get("ember reference"));
    System.out.printf(Locale.ROOT, "%-22s %14s %9s %9s  %s%n", "engine", "rows/s (median)",
        "vs ORT", "vs ref", "outputs vs reference kernel");
    for (String name : names) {
      double rate = median(rates.get(name));
      System.out.printf(Locale.ROOT, "%-22s %14.0f %8.2fx %8.2fx  %s%n", name, rate,
          rate / ortRate, rate / refRate, agreement(want, first.get(name)));
    }
  }

  private static String agreement(float[] want, float[] got) {
    if (Arrays.equals(want, got)) {
      return "identical";
    }
    double max = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i] - got[i]));
    }
    return String.format(Locale.ROOT, "max |diff| %.2e", max);
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private TreeBenchmark() {}
}
