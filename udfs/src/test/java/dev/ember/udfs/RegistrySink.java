package dev.ember.udfs;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.Properties;
import org.apache.spark.metrics.sink.Sink;

/**
 * A Spark metrics sink that only keeps the registry Spark hands it, so that a test reads metrics
 * the way any sink does. Enable with {@code spark.metrics.conf.*.sink.registry.class}.
 */
public final class RegistrySink implements Sink {
  private static volatile MetricRegistry latest;

  /** Spark's constructor for sinks (Spark 3.2 and later). */
  public RegistrySink(Properties properties, MetricRegistry registry) {
    latest = registry;
  }

  /**
   * The value of the gauge named {@code suffix}, or whose name ends in {@code "." + suffix} (Spark
   * prefixes the application and executor ids once it knows them); fails if none.
   */
  static long gauge(String suffix) {
    MetricRegistry r = latest;
    if (r == null) {
      throw new IllegalStateException("no metrics system has started a RegistrySink");
    }
    for (var e : r.getGauges().entrySet()) {
      if (e.getKey().equals(suffix) || e.getKey().endsWith("." + suffix)) {
        return ((Number) ((Gauge<?>) e.getValue()).getValue()).longValue();
      }
    }
    throw new IllegalStateException("no gauge *." + suffix + " in " + r.getNames());
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public void report() {}
}
