package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphPrinter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.OpRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A test backend: runs the interpreter, but counts compiles and loads per key, can sleep while
 * compiling (to widen races), can emit any source (to trip the mutation check) and can refuse
 * symbolic graphs (as a static-only backend would).
 */
class FakeBackend implements Backend {
  static final String SOURCE_FILE = "Kernel.java";

  final AtomicInteger compiles = new AtomicInteger();
  final AtomicInteger loads = new AtomicInteger();
  final Map<String, AtomicInteger> compilesByKey = new ConcurrentHashMap<>();
  private final long delayMillis;
  private final boolean refuseSymbolic;
  private final Function<Graph, String> source;

  FakeBackend() {
    this(0, false, GraphPrinter::print);
  }

  FakeBackend(long delayMillis, boolean refuseSymbolic, Function<Graph, String> source) {
    this.delayMillis = delayMillis;
    this.refuseSymbolic = refuseSymbolic;
    this.source = source;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    compiles.incrementAndGet();
    compilesByKey.computeIfAbsent(key.canonical(), k -> new AtomicInteger()).incrementAndGet();
    if (refuseSymbolic && !isStatic(graph)) {
      throw Errors.of(
          ErrorCode.UNSUPPORTED_OP, "backend fake takes static shapes only", "use level 3");
    }
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return variant(graph, key, source.apply(graph));
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    loads.incrementAndGet();
    byte[] src = artifacts.get(SOURCE_FILE);
    if (src == null) {
      throw Errors.of(ErrorCode.IO_ERROR, "no " + SOURCE_FILE + " saved", "compile again");
    }
    return variant(graph, key, new String(src, StandardCharsets.UTF_8));
  }

  static boolean isStatic(Graph g) {
    return g.inputs().stream().map(ValueInfo::type).allMatch(t -> t.shape().isStatic());
  }

  private static CompiledVariant variant(Graph graph, VariantKey key, String src) {
    Interpreter interp = new Interpreter(graph, OpRegistry.standard());
    VariantArtifacts artifacts =
        new VariantArtifacts(Map.of(SOURCE_FILE, src.getBytes(StandardCharsets.UTF_8)));
    return new CompiledVariant() {
      @Override
      public VariantKey key() {
        return key;
      }

      @Override
      public String source() {
        return src;
      }

      @Override
      public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return interp.run(inputs);
      }

      @Override
      public VariantArtifacts artifacts() {
        return artifacts;
      }
    };
  }
}
