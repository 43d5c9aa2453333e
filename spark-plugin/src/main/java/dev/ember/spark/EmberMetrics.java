package dev.ember.spark;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of this JVM's inference work that no model keeps itself, read by the executor plugin's
 * metric gauges (they show in Spark's metrics sinks as {@code plugin.dev.ember.spark.EmberPlugin.*};
 * forward passes and compile counters come from the loaded models, {@link ExecutorModels}).
 */
public final class EmberMetrics {
  private static final AtomicLong ROWS = new AtomicLong();

  private EmberMetrics() {}

  /** Records {@code rows} rows read by an Ember partition function (null inputs included). */
  public static void recordRows(int rows) {
    ROWS.addAndGet(rows);
  }

  /** Rows read by Ember's partition functions in this JVM (the {@code rowsEmbedded} gauge). */
  public static long rowsEmbedded() {
    return ROWS.get();
  }
}
