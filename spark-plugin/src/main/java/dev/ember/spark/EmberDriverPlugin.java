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
 * level 2), or a model of {@code spark.ember.models} whose files are missing or whose header
 * (opsets, ops) the executors could not run ({@link ModelChecks#checkModel}); and fails every job
 * with the reason once an executor reports that it cannot serve a model ({@link #receive}).
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
      ModelChecks.checkModel(ModelSpec.parse(spec), sc.hadoopConfiguration());
    }
    this.sc = sc;
    LOG.info("Ember driver plugin: configuration valid, models {}", conf.get(EmberConf.MODELS));
    return Map.of();
  }

  /**
   * Receives an executor's {@link ExecutorStartFailure}: a model of {@code spark.ember.models}
   * that did not load there (MODEL_INVALID, UNSUPPORTED_OP, IO_ERROR, ...) or, under {@code
   * spark.ember.device=cuda}, an unusable device. Every executor reads the same files, so the
   * others fail the same way, and waiting for them helps nobody; this logs the reason with its
   * error code and fails every running and later job with it. Called on Spark's plugin RPC
   * thread, while the executor waits for the answer before it takes tasks.
   */
  @Override
  public Object receive(Object message) {
    if (!(message instanceof ExecutorStartFailure failure)) {
      throw new IllegalArgumentException(
          "EmberDriverPlugin: unexpected message of type " + message.getClass().getName());
    }
    String report = failure.describe();
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
