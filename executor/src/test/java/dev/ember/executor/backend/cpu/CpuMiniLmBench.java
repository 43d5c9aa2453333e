package dev.ember.executor.backend.cpu;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Throwaway benchmark, not a test: MiniLM sentences/s of cpu-janino (static variants per 8-token
 * sequence bucket, and one symbolic variant), the interpreter and ONNX Runtime (2 intra-op
 * threads) on the WordNet glosses in length-sorted batches of 32. Run from executor/ with the
 * test classpath: {@code java -cp target/classes:target/test-classes:$(cat cp.txt)
 * dev.ember.executor.backend.cpu.CpuMiniLmBench ../data/sample/wordnet-glosses.txt 4000 1000}.
 */
public final class CpuMiniLmBench {
  private CpuMiniLmBench() {}

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    int n = Math.min(lines.size(), Integer.parseInt(args[1]));
    int interpN = Integer.parseInt(args[2]);
    HuggingFaceTokenizer tok;
    try (InputStream in = CpuMiniLmBench.class.getClassLoader()
        .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      tok = HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "true", "maxLength", "256",
          "padding", "false", "modelMaxLength", "512"));
    }
    List<long[]> ids = new ArrayList<>();
    for (String s : lines.subList(0, n)) {
      Encoding e = tok.encode(s);
      ids.add(e.getIds());
    }
    ids.sort(Comparator.comparingInt(a -> a.length));
    long real = ids.stream().mapToLong(a -> a.length).sum();
    byte[] model;
    try (InputStream in = CpuMiniLmBench.class.getClassLoader()
        .getResourceAsStream("all-minilm-l6-v2.onnx")) {
      model = in.readAllBytes();
    }
    Graph g = OnnxLoader.load(model, "minilm").graph();
    System.out.printf("%d sentences, %d real tokens, length-sorted batches of 32%n", n, real);

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(2);
    OrtSession ort = env.createSession(model, opts);
    Function<Map<String, Tensor>, Object> ortFn = feeds -> {
      try {
        Map<String, OnnxTensor> in = new HashMap<>();
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
          long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
          in.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(
              e.getValue().rawLongs()), shape));
        }
        try (OrtSession.Result r = ort.run(in)) {
          float[] a = new float[((OnnxTensor) r.get(0)).getFloatBuffer().remaining()];
          ((OnnxTensor) r.get(0)).getFloatBuffer().get(a);
          in.values().forEach(OnnxTensor::close);
          return a;
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    CpuJaninoBackend cpu = new CpuJaninoBackend();
    Map<Integer, CompiledVariant> byBucket = new HashMap<>();
    long[] compileNs = {0};
    Function<Map<String, Tensor>, Object> staticFn = feeds -> {
      int b = feeds.get("input_ids").dim(0);
      int s = feeds.get("input_ids").dim(1);
      CompiledVariant v = byBucket.computeIfAbsent(b * 10_000 + s, key -> {
        long t0 = System.nanoTime();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        feeds.forEach((k, t) -> shapes.put(k, t.shape()));
        CompiledVariant c = cpu.compile(Specializer.specialize(g, shapes), new VariantKey(
            "bench", CpuJaninoBackend.NAME, Map.of(), Map.of()));
        compileNs[0] += System.nanoTime() - t0;
        return c;
      });
      return v.run(feeds);
    };
    CompiledVariant sym = cpu.compile(new Specializer(OpRegistry.standard(), (x, y) -> {})
        .simplify(g), new VariantKey("bench-sym", CpuJaninoBackend.NAME, Map.of(), Map.of()));
    System.out.println("gemm: " + ((CpuVariant) sym).gemm());
    Interpreter interp = new Interpreter(g, OpRegistry.standard());

    run("onnxruntime (2 threads)", ids, n, 1, ortFn);
    run("cpu-janino static, seq bucket 8 (warm-up pass)", ids, n, 8, staticFn);
    System.out.printf("  (compiled %d static variants in %.1f s)%n", byBucket.size(),
        compileNs[0] / 1e9);
    run("cpu-janino static, seq bucket 8", ids, n, 8, staticFn);
    run("cpu-janino symbolic (one variant)", ids, n, 1, sym::run);
    run("onnxruntime (2 threads)", ids, n, 1, ortFn);
    run("interpreter", ids, Math.min(n, interpN), 1, interp::run);
  }

  private static void run(String name, List<long[]> ids, int n, int bucket,
      Function<Map<String, Tensor>, Object> fn) {
    long t0 = System.nanoTime();
    long padded = 0;
    for (int i = 0; i < n; i += 32) {
      List<long[]> batch = ids.subList(i, Math.min(n, i + 32));
      int s = batch.get(batch.size() - 1).length;
      s = (s + bucket - 1) / bucket * bucket;
      Map<String, Tensor> f = feeds(batch, s);
      padded += (long) batch.size() * s;
      fn.apply(f);
    }
    double sec = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%-48s %8.1f sentences/s  (%.1f s, %d padded tokens)%n", name, n / sec, sec,
        padded);
  }

  private static Map<String, Tensor> feeds(List<long[]> batch, int s) {
    int b = batch.size();
    long[] ids = new long[b * s];
    long[] mask = new long[b * s];
    for (int i = 0; i < b; i++) {
      long[] e = batch.get(i);
      for (int j = 0; j < e.length; j++) {
        ids[i * s + j] = e[j];
        mask[i * s + j] = 1;
      }
    }
    int[] shape = {b, s};
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("input_ids", Tensor.ofLongs(DType.INT64, shape, ids));
    m.put("attention_mask", Tensor.ofLongs(DType.INT64, shape, mask));
    m.put("token_type_ids", Tensor.ofLongs(DType.INT64, shape, new long[b * s]));
    return m;
  }
}
