package dev.ember.spark;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of this JVM's inference work, read by the executor plugin's metric gauges (they show
 * in Spark's metrics sinks as {@code plugin.dev.ember.spark.EmberPlugin.*}).
 */
public final class EmberMetrics {
  private static final AtomicLong ROWS = new AtomicLong();
  private static final AtomicLong BATCHES = new AtomicLong();

  private EmberMetrics() {}

  /** Records one model call over {@code rows} rows. */
  public static void recordBatch(int rows) {
    ROWS.addAndGet(rows);
    BATCHES.incrementAndGet();
  }

  public static long rowsEmbedded() {
    return ROWS.get();
  }

  public static long batches() {
    return BATCHES.get();
  }
}
