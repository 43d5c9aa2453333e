package dev.ember.bench.gpu;

import dev.ember.bench.Vectors;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ops.OpRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MiniLM architecture (regenerated weights) on the device at every GEMM precision against the
 * CPU interpreter, on the first {@link CheckSize#miniLmSentences} sentences in batches of the
 * smallest {@link CheckSize#batches} size at compile level 3 (graphs on): the smallest and mean
 * cosine similarity of the embeddings per precision, which must reach {@link #target}: far enough
 * below what the H200 measured (1.0 fp32, 0.9999995 tf32 and fp16, 0.99997 bf16) that only a real
 * loss of accuracy fails it.
 */
final class MiniLmCheck {
  /** The smallest cosine a precision must reach: bf16 keeps 8 bits of mantissa, the rest 10+. */
  static double target(GemmPrecision p) {
    return p == GemmPrecision.BF16 ? 0.999 : 0.9999;
  }

  private MiniLmCheck() {}

  static List<Map<String, Object>> run(CudaDevice device, CheckSize size, Graph graph,
      List<long[]> ids, InMemoryVariantStore store, Results r) {
    String output = Embed.hiddenOutput(graph);
    int subset = Math.min(size.miniLmSentences(), ids.size());
    List<int[]> plan = Embed.corpusOrder(subset, size.batches().get(0));
    long t0 = System.nanoTime();
    Interpreter interp = new Interpreter(graph, OpRegistry.standard());
    float[][] want = Embed.run(interp::run, output, ids, plan);
    r.progress(String.format("interpreter: %d sentences in %.1f s", subset,
        (System.nanoTime() - t0) / 1e9));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (GemmPrecision p : GemmPrecision.values()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("precision", p.confName());
      try {
        CudaBackend cuda = new CudaBackend(device, size.options(p, true));
        CompileWrapper w = size.wrapper(graph, cuda, store);
        float[][] got = Embed.run(w::call, output, ids, plan);
        double min = 1;
        double sum = 0;
        int n = 0;
        for (int i = 0; i < want.length; i++) {
          if (want[i] != null) {
            double c = Vectors.cosine(want[i], got[i]);
            min = Math.min(min, c);
            sum += c;
            n++;
          }
        }
        row.put("backend", cuda.name());
        row.put("sentences", n);
        row.put("minCosine", min);
        row.put("meanCosine", sum / n);
        row.put("target", target(p));
        row.put("passed", min >= target(p));
      } catch (RuntimeException e) {
        row.put("error", String.valueOf(e));
        row.put("passed", false);
      }
      rows.add(row);
      r.progress("minilm " + row);
    }
    return rows;
  }
}
