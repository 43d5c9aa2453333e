package dev.ember.bench.gpu;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.dispatch.VariantStore;
import dev.ember.executor.ir.Graph;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A {@link VariantStore} shared by the CUDA backends of every GEMM precision and graph setting the
 * check runs: their generated kernels are the same (the GEMM is a separate kernel), so each
 * variant is compiled by NVRTC once and loaded by the others. The key leaves the backend name out
 * on purpose; {@code CudaBackend.load} still checks that the saved source is what it generates
 * and the store compiles again when it is not.
 */
final class SharedKernelStore implements VariantStore {
  private final Map<String, VariantArtifacts> saved = new ConcurrentHashMap<>();
  private final AtomicLong compiles = new AtomicLong();
  private final AtomicLong loads = new AtomicLong();

  @Override
  public CompiledVariant obtain(
      VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile) {
    String id = key.graphHash() + ";" + key.inputShapes() + ";" + key.options();
    VariantArtifacts a = saved.get(id);
    if (a != null) {
      try {
        CompiledVariant v = backend.load(graph, key, a);
        loads.incrementAndGet();
        return v;
      } catch (RuntimeException e) {
        saved.remove(id, a);
      }
    }
    CompiledVariant v = compile.get();
    compiles.incrementAndGet();
    saved.put(id, v.artifacts());
    return v;
  }

  @Override
  public void writeDump(VariantKey key, String source, String graphDump) {}

  long compiles() {
    return compiles.get();
  }

  long loads() {
    return loads.get();
  }
}
