package dev.ember.spark;

import dev.ember.spark.conf.CudaConf;
import dev.ember.spark.conf.EmberConf;
import java.io.Serializable;

/**
 * The {@code spark.ember.cuda.*} settings that shape a CUDA engine, in a form tasks can carry
 * (part of {@link EngineSettings}); {@link BackendFactory} turns them into the backend's options.
 *
 * @param gemm auto, cublas or generated
 * @param precision tf32, fp32, fp16 or bf16
 * @param graphs whether level-3 variants are captured as CUDA graphs
 * @param graphMemoryBytes bound on the device memory held by captured graphs' static buffers
 * @param gemmTuning whether each GEMM shape's route is measured on the device
 * @param autoPlacement {@code spark.ember.device=auto}: ops without CUDA kernels run on the host
 *     between device steps, or the whole variant on the CPU where that costs less; otherwise
 *     ({@code cuda}) such a model is refused
 */
public record CudaSettings(String gemm, String precision, boolean graphs, long graphMemoryBytes,
    boolean gemmTuning, boolean autoPlacement) implements Serializable {
  public static CudaSettings from(EmberConf conf) {
    return new CudaSettings(
        conf.get(CudaConf.GEMM),
        conf.get(CudaConf.GEMM_PRECISION),
        conf.get(CudaConf.GRAPHS),
        conf.get(CudaConf.GRAPH_MEMORY),
        conf.get(CudaConf.GEMM_TUNING),
        conf.get(EmberConf.DEVICE).equals("auto"));
  }
}
