package dev.ember.spark.conf;

import java.util.Optional;

/**
 * The CUDA backend's keys ({@code spark.ember.cuda.*}), declared into {@link EmberConf}'s
 * registry; they matter only where {@code spark.ember.device} resolves to CUDA.
 */
public final class CudaConf {
  private CudaConf() {}

  public static final ConfEntry<Integer> DEVICE_ORDINAL =
      EmberConf.conf("spark.ember.cuda.deviceOrdinal")
          .doc(
              "The CUDA device an executor uses when Spark assigns it no `gpu` resource, as in"
                  + " local mode. When Spark does assign one"
                  + " (`spark.executor.resource.gpu.amount=1`), its address wins.")
          .since("0.1.0")
          .startupOnly()
          .intConf()
          .check(v -> v >= 0, "an integer >= 0")
          .createWithDefault(0);

  public static final ConfEntry<String> GEMM =
      EmberConf.conf("spark.ember.cuda.gemm")
          .doc(
              "Matrix multiplications on CUDA: `cublas` calls cuBLAS (needs libcublas.so.12),"
                  + " `generated` compiles Ember's own tensor-core kernels with NVRTC, `auto`"
                  + " takes cuBLAS where it loads and the generated kernels otherwise.")
          .since("0.1.0")
          .startupOnly()
          .choiceConf("auto", "cublas", "generated")
          .createWithDefault("auto");

  public static final ConfEntry<Boolean> GEMM_TUNING =
      EmberConf.conf("spark.ember.cuda.gemmTuning")
          .doc(
              "Measure each matrix multiplication shape of a model on the GPU when its variant is"
                  + " compiled: every route the GEMM choice offers (cuBLAS where `auto` finds it,"
                  + " each generated tile, the same kernels split along K for thin shapes) runs on"
                  + " seeded data, routes whose result strays from the float32 reference beyond"
                  + " the precision's tolerance are refused, and the fastest of the rest is kept."
                  + " The choice is recorded in the variant's cache entry, so warm starts do not"
                  + " measure again. `false` takes a fixed rule's tile, or cuBLAS.")
          .since("0.1.0")
          .startupOnly()
          .booleanConf()
          .createWithDefault(true);

  public static final ConfEntry<String> GEMM_PRECISION =
      EmberConf.conf("spark.ember.cuda.gemmPrecision")
          .doc(
              "Input rounding of matrix multiplications on CUDA; all accumulate in float32."
                  + " `tf32` (tensor cores, 10-bit mantissa) is close to float32 and fast;"
                  + " `fp32` keeps float32 accuracy: plain CUDA cores, or on sm_80 and newer,"
                  + " where the tuner measures it faster, tensor cores with each input split into"
                  + " two tf32 parts (three products); `fp16` and `bf16` round"
                  + " inputs to half precision for the most speed, and may keep a weight that"
                  + " only matrix multiplications read on the GPU as a 16-bit copy, half its"
                  + " float32 bytes. Fused attention's two products (scores, weighted sum) run"
                  + " on tensor cores too on sm_80 and newer, with the same rounding (at `fp32`,"
                  + " as three tf32 products).")
          .since("0.1.0")
          .startupOnly()
          .choiceConf("tf32", "fp32", "fp16", "bf16")
          .createWithDefault("tf32");

  public static final ConfEntry<Boolean> GRAPHS =
      EmberConf.conf("spark.ember.cuda.graphs")
          .doc(
              "Compile level 3 on CUDA: capture each static-shape variant as a CUDA graph and"
                  + " replay it, one launch per batch instead of one per kernel.")
          .since("0.1.0")
          .startupOnly()
          .booleanConf()
          .createWithDefault(true);

  public static final ConfEntry<Long> GRAPH_MEMORY =
      EmberConf.conf("spark.ember.cuda.graphMemory")
          .doc(
              "The most device memory the captured CUDA graphs of one executor may hold in their"
                  + " static input, output and activation buffers; variants past it run"
                  + " without a graph.")
          .since("0.1.0")
          .startupOnly()
          .bytesConf()
          .check(v -> v > 0, "a positive size such as 512m or 4g")
          .createWithDefault(4L << 30);

  public static final ConfEntry<Optional<String>> NVRTC_DIR =
      EmberConf.conf("spark.ember.cuda.nvrtcDir")
          .doc(
              "A folder on every executor holding `libnvrtc.so.12` (CUDA 12 NVRTC, which compiles"
                  + " Ember's kernels at run time), searched before any other. Unset: the folder"
                  + " named by `EMBER_NVRTC_DIR`, then `$EMBER_NVRTC_HOME/lib`, then"
                  + " `~/.cache/ember/nvrtc-12.4/lib` (where `bin/ember fetch-nvrtc` puts it), then"
                  + " the system's library path (`LD_LIBRARY_PATH`).")
          .since("0.1.0")
          .startupOnly()
          .stringConf()
          .check(s -> !s.isBlank(), "a folder path")
          .createOptional();

  /** Touched by EmberConf's static initializer so these keys register with it. */
  static void register() {}
}
