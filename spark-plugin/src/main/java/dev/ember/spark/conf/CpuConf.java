package dev.ember.spark.conf;

/**
 * The CPU backend's keys ({@code spark.ember.cpu.*}), declared into {@link EmberConf}'s registry;
 * they matter where {@code spark.ember.device} resolves to the CPU.
 */
public final class CpuConf {
  private CpuConf() {}

  public static final ConfEntry<String> GEMM =
      EmberConf.conf("spark.ember.cpu.gemm")
          .doc(
              "Matrix multiplications in compiled CPU variants: `openblas` calls OpenBLAS (bundled"
                  + " for Linux x86-64 and aarch64), `vector` runs Ember's own kernel on the"
                  + " JDK's Vector API (the JVM needs `--add-modules=jdk.incubator.vector`;"
                  + " it does not depend on `OPENBLAS_CORETYPE`), `java` runs Ember's plain-Java"
                  + " blocked kernel, `netlib` calls the system BLAS through netlib-java, `auto`"
                  + " measures the ones that load on the model's first GEMM shapes and keeps the"
                  + " fastest (the choice is saved with each cached variant). Part of every"
                  + " variant's cache key.")
          .since("0.1.0")
          .startupOnly()
          .choiceConf("auto", "openblas", "vector", "java", "netlib")
          .createWithDefault("auto");

  /** Touched by EmberConf's static initializer so these keys register with it. */
  static void register() {}
}
