package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.GeneratedGemm;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.Nvrtc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * TFLOP/s of the generated GEMM kernels ({@link GeneratedGemm}) per precision, on MiniLM's GEMMs
 * at 2,048 tokens (64 sentences of 32) and on 4096 x 4096 x 4096: the average of back-to-back
 * launches on random data after one warm-up launch, which also compiles the kernel.
 */
final class GemmTflops {
  private GemmTflops() {}

  /** Shape name to shape. */
  static Map<String, GemmShape> shapes() {
    Map<String, GemmShape> s = new LinkedHashMap<>();
    s.put("minilm qkv/out 2048x384x384", GemmShape.rowMajor(1, 2048, 384, 384));
    s.put("minilm ffn-up 2048x1536x384", GemmShape.rowMajor(1, 2048, 1536, 384));
    s.put("minilm ffn-down 2048x384x1536", GemmShape.rowMajor(1, 2048, 384, 1536));
    s.put("minilm scores 768x(32x32x32)", GemmShape.rowMajor(768, 32, 32, 32));
    s.put("square 4096^3", GemmShape.rowMajor(1, 4096, 4096, 4096));
    return s;
  }

  static List<Map<String, Object>> run(GpuDriver driver, Results r) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (GemmPrecision p : GemmPrecision.values()) {
      try (GeneratedGemm g = new GeneratedGemm(driver, new Nvrtc(), p)) {
        for (Map.Entry<String, GemmShape> e : shapes().entrySet()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("gemm", g.name());
          row.put("shape", e.getKey());
          String why = g.whyNot(e.getValue());
          if (why != null) {
            row.put("skipped", why);
          } else {
            int iters = e.getValue().flops() > 1e11 ? 20 : 200;
            row.put("tflops", measure(g, driver, e.getValue(), iters));
          }
          rows.add(row);
          r.progress("gemm " + row);
        }
      }
    }
    return rows;
  }

  /** Average TFLOP/s of {@code iters} launches of {@code g} on {@code s}, after one warm-up. */
  static double measure(GeneratedGemm g, GpuDriver d, GemmShape s, int iters) {
    long a = random(d, (long) s.batch() * s.m() * s.k(), 1);
    long b = random(d, (long) s.batch() * s.k() * s.n(), 2);
    long c = d.alloc((long) s.batch() * s.m() * s.n() * 4);
    try {
      g.enqueue(s, a, b, c, 0L);
      d.synchronize();
      long start = System.nanoTime();
      for (int i = 0; i < iters; i++) {
        g.enqueue(s, a, b, c, 0L);
      }
      d.synchronize();
      double seconds = (System.nanoTime() - start) / 1e9;
      return s.flops() * iters / seconds / 1e12;
    } finally {
      d.free(a);
      d.free(b);
      d.free(c);
    }
  }

  private static long random(GpuDriver d, long n, long seed) {
    Random rnd = new Random(seed);
    ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(n * 4))
        .order(ByteOrder.nativeOrder());
    for (long i = 0; i < n; i++) {
      bytes.putFloat(rnd.nextFloat() * 2 - 1);
    }
    bytes.flip();
    long ptr = d.alloc(n * 4);
    d.upload(ptr, bytes);
    return ptr;
  }
}
