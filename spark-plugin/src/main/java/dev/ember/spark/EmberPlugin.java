package dev.ember.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Ember's Spark plugin. Enable it with {@code spark.plugins=dev.ember.spark.EmberPlugin}: the
 * driver side validates every {@code spark.ember.*} key before any job runs, and each executor
 * loads the models of {@code spark.ember.models} once, before its first task, for all its tasks
 * to share.
 *
 * <pre>{@code
 * spark-submit --conf spark.plugins=dev.ember.spark.EmberPlugin \
 *   --conf spark.ember.models=builtin:all-minilm-l6-v2 ...
 * }</pre>
 */
public final class EmberPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return new EmberDriverPlugin();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new EmberExecutorPlugin();
  }
}
