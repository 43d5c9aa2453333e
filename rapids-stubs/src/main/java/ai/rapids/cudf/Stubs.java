package ai.rapids.cudf;

/** The failure every stub body throws: the real class comes from the RAPIDS jar. */
final class Stubs {
  private Stubs() {}

  static UnsupportedOperationException absent() {
    return new UnsupportedOperationException(
        "Ember's compile-time cudf stub was called: put the RAPIDS Accelerator jar"
            + " (com.nvidia:rapids-4-spark_2.12) on the classpath ahead of ember-rapids-stubs");
  }
}
