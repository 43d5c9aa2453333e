package dev.ember.spark;

import dev.ember.spark.conf.CpuConf;
import dev.ember.spark.conf.EmberConf;
import java.io.Serializable;
import java.util.Map;

/**
 * The settings that shape a CPU engine ({@code spark.ember.cpu.gemm}, {@code
 * spark.ember.engine.threads}), in a form tasks can carry (part of {@link EngineSettings}).
 *
 * @param gemm auto, openblas, vector, java or netlib
 * @param gemmThreads threads per GEMM (OpenBLAS only)
 */
public record CpuSettings(String gemm, int gemmThreads) implements Serializable {
  public static CpuSettings from(EmberConf conf) {
    return new CpuSettings(conf.get(CpuConf.GEMM), conf.get(EmberConf.ENGINE_THREADS));
  }

  /** The CPU backend's options in each variant's key (see CpuJaninoBackend). */
  public Map<String, String> backendOptions() {
    return Map.of("cpu.gemm", gemm, "cpu.gemmThreads", Integer.toString(gemmThreads));
  }
}
