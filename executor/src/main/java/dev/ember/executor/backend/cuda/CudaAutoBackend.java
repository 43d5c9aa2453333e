package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend of {@code spark.ember.device=auto} on a CUDA executor: each variant runs on the GPU,
 * on the GPU with host steps for the ops without CUDA kernels, or all on the CPU backend, as
 * {@link CudaPlacement} decides from the variant's graph (logged at INFO per variant). A variant
 * the CPU backend can run never fails here for want of a CUDA kernel: the CUDA backend's refusals
 * (UNSUPPORTED_OP, KERNEL_COMPILE_FAILED) send it to the CPU.
 *
 * <pre>{@code
 * Backend auto = new CudaAutoBackend(new CudaBackend(device, options), new CpuJaninoBackend());
 * CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)).backend(auto).build(graph);
 * }</pre>
 *
 * <p>The decision depends on the graph only, so {@link #load} makes it again and hands the saved
 * artifacts to the backend that made them. Thread-safe, as both backends are.
 */
public final class CudaAutoBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(CudaAutoBackend.class);

  private final CudaBackend cuda;
  private final Backend cpu;

  /** {@code cpu} runs the variants the GPU should not (normally cpu-janino). */
  public CudaAutoBackend(CudaBackend cuda, Backend cpu) {
    this.cuda = cuda;
    this.cpu = cpu;
  }

  /** The CUDA backend's name plus {@code +auto}: its cache entries may hold CPU variants. */
  @Override
  public String name() {
    return cuda.name() + "+auto";
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    CudaPlacement p = CudaPlacement.decide(graph, cuda.tensorCoreAttention());
    LOG.info("Ember variant {} of graph '{}' runs {}", label(key), graph.name(), p.describe());
    if (p.program() != null) {
      try {
        return cuda.compile(p.program(), key);
      } catch (EmberException e) {
        if (!refusal(e)) {
          throw e;
        }
        LOG.info("Ember variant {} of graph '{}' runs on the CPU (cpu-janino) instead: {}",
            label(key), graph.name(), e.getMessage());
      }
    }
    return cpu.compile(graph, key);
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    CudaPlacement p = CudaPlacement.decide(graph, cuda.tensorCoreAttention());
    if (p.program() != null && artifacts.get(CudaBackend.SOURCE_FILE) != null) {
      LOG.info("Ember variant {} of graph '{}' loads from the cache and runs {}", label(key),
          graph.name(), p.describe());
      return cuda.load(p.program(), key, artifacts);
    }
    // Placed on the CPU, now or when it was compiled (a CUDA refusal after placing it).
    LOG.info("Ember variant {} of graph '{}' loads from the cache and runs on the CPU"
        + " (cpu-janino): {}", label(key), graph.name(), p.where() == CudaPlacement.Where.CPU
        ? p.reason() : "the CUDA backend refused it when it was compiled");
    return cpu.load(graph, key, artifacts);
  }

  @Override
  public String placement(Graph graph) {
    return CudaPlacement.decide(graph, cuda.tensorCoreAttention()).describe();
  }

  private static boolean refusal(EmberException e) {
    return e.code() == ErrorCode.UNSUPPORTED_OP || e.code() == ErrorCode.KERNEL_COMPILE_FAILED;
  }

  private static String label(VariantKey key) {
    return key.options().getOrDefault("capture", key.options().getOrDefault("variant", "?"));
  }
}
