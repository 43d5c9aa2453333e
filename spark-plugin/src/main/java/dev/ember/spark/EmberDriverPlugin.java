package dev.ember.spark;

import dev.ember.executor.text.ModelSpec;
import dev.ember.spark.conf.EmberConf;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver half of {@link EmberPlugin}: fails the application at start, before any executor or
 * task, on a bad {@code spark.ember.*} value (or combination, such as device cuda at compile
 * level 2) or a model spec whose files are missing; and fails
 * every job with the reason once an executor reports that it cannot start ({@link #receive}).
 */
final class EmberDriverPlugin implements DriverPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(EmberDriverPlugin.class);

  private volatile SparkContext sc;
  // The first executor failure reported; null while there is none.
  private volatile String executorFailure;

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext ctx) {
    EmberConf conf = EmberConf.from(sc.getConf());
    DeviceChoice.checkConf(DeviceChoice.Request.from(conf));
    for (String spec : conf.get(EmberConf.MODELS)) {
      ModelChecks.checkFilesExist(ModelSpec.parse(spec), sc.hadoopConfiguration());
    }
    this.sc = sc;
    LOG.info("Ember driver plugin: configuration valid, models {}", conf.get(EmberConf.MODELS));
    return Map.of();
  }

  /**
   * Receives an executor's report that it cannot start (a {@code String}, sent by the executor
   * plugin just before its {@code init} throws, e.g. DEVICE_UNAVAILABLE for {@code
   * spark.ember.device=cuda} without a usable CUDA device). A standalone Master relaunches such an executor, and it fails again,
   * for as long as the application lives, while jobs wait for executors; so this logs the reason
   * and fails every running and later job with it. Called on Spark's plugin RPC thread.
   */
  @Override
  public Object receive(Object message) {
    if (!(message instanceof String report)) {
      throw new IllegalArgumentException(
          "EmberDriverPlugin: unexpected message of type " + message.getClass().getName());
    }
    SparkContext context = sc;
    if (context == null || context.isStopped()) {
      return Boolean.FALSE;
    }
    String reason = "because Ember " + report;
    synchronized (this) {
      if (executorFailure == null) {
        executorFailure = reason;
        LOG.error("Ember {}; failing every job of this application", report);
        // Jobs submitted later fail too, at their start.
        context.addSparkListener(
            new SparkListener() {
              @Override
              public void onJobStart(SparkListenerJobStart jobStart) {
                context.cancelJob(jobStart.jobId(), executorFailure);
              }
            });
      }
    }
    for (int job : context.statusTracker().getActiveJobIds()) {
      context.cancelJob(job, executorFailure);
    }
    return Boolean.TRUE;
  }
}
