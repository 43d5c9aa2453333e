package dev.ember.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.ember.executor.errors.EmberException;
import dev.ember.spark.conf.EmberConf;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executor half of {@link EmberPlugin}: before the executor takes its first task, decides its
 * device (CPU or the CUDA device of its Spark {@code gpu} resource, {@link DeviceChoice}), loads
 * each model of {@code spark.ember.models} for it into {@link ExecutorModels}, where all tasks of
 * this executor share it, and registers Ember's metrics ({@code device.cudaOrdinal}: -1 on the
 * CPU).
 *
 * <p>An unusable device under {@code spark.ember.device=cuda}, or a model that fails to load
 * (corrupt, unsupported op, unreadable), does not fail executor start: an executor whose plugin
 * throws dies with "Command exited with code 1", and a standalone Master relaunches it again and
 * again while jobs wait. Instead the plugin records the failure ({@link
 * ExecutorModels#recordStartFailure}: tasks that need the model fail with it) and reports it to
 * the driver ({@link ExecutorStartFailure}), which fails every job with Ember's code and message.
 * The report is a blocking ask, answered before this executor is offered any task.
 */
final class EmberExecutorPlugin implements ExecutorPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(EmberExecutorPlugin.class);

  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
    EmberConf conf = EmberConf.from(ctx.conf());
    registerMetrics(ctx.metricRegistry());
    Device device;
    try {
      device = chooseDevice(ctx, conf);
    } catch (EmberException e) {
      startFailed(ctx, null, e);
      return;
    }
    EngineSettings settings = EngineSettings.from(conf).withDevice(device);
    HadoopModelFiles files =
        new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(ctx.conf()));
    int failed = 0;
    for (String spec : conf.get(EmberConf.MODELS)) {
      try {
        ExecutorModels.embedder(spec, settings, files);
      } catch (EmberException e) {
        startFailed(ctx, spec, e);
        failed++;
      }
    }
    if (failed == 0) {
      LOG.info("Ember executor {} ready: {} model(s) loaded on {} in {} ms", ctx.executorID(),
          ExecutorModels.size(), device, ExecutorModels.loadMillis());
    }
  }

  /**
   * Logs the GPUs Spark assigned to this executor and decides its device ({@link DeviceChoice}):
   * {@code cuda} without a usable CUDA device throws DEVICE_UNAVAILABLE with the reason; {@code
   * auto} falls back to the CPU and logs why.
   */
  private static Device chooseDevice(PluginContext ctx, EmberConf conf) {
    ResourceInformation gpu = ctx.resources().get("gpu");
    List<String> addresses = gpu == null ? List.of() : List.of(gpu.addresses());
    if (gpu != null) {
      LOG.info("Ember executor {}: GPU addresses [{}] (spark.ember.device={})",
          ctx.executorID(), String.join(",", addresses), conf.get(EmberConf.DEVICE));
    }
    return ExecutorDevice.decide(conf, ctx.executorID(), addresses).device();
  }

  /**
   * Records a start failure for this executor's tasks and tells the driver, which fails every job
   * with it ({@link EmberDriverPlugin#receive}). {@code spec} is null for a device failure.
   */
  private static void startFailed(PluginContext ctx, String spec, EmberException e) {
    ExecutorModels.recordStartFailure(spec, e);
    ExecutorStartFailure report = ExecutorStartFailure.of(ctx.executorID(), spec, e);
    LOG.error("Ember {}", report.describe(), e);
    try {
      ctx.ask(report);
    } catch (Exception askFailed) {
      // The driver may be gone; tasks that need the model still fail with the reason.
      LOG.warn("Ember executor {}: could not report its failure to the driver: {}",
          ctx.executorID(), askFailed.toString());
    }
  }

  private static void registerMetrics(MetricRegistry metrics) {
    metrics.register("modelLoads", (Gauge<Long>) ExecutorModels::loadCount);
    metrics.register("modelLoadMillis", (Gauge<Long>) ExecutorModels::loadMillis);
    metrics.register("rowsEmbedded", (Gauge<Long>) EmberMetrics::rowsEmbedded);
    // Forward passes, not the partition functions' windows (a window holds many batches).
    metrics.register("batches", (Gauge<Long>) ExecutorModels::sumModelBatches);
    metrics.register("text.truncated", (Gauge<Long>) ExecutorModels::sumTruncatedTexts);
    metrics.register("device.cudaOrdinal", (Gauge<Integer>) ExecutorDevice::cudaOrdinal);
    metrics.register("models.onnxRuntime", (Gauge<Long>) ExecutorModels::onnxRuntimeModels);
    metrics.register("compile.variants",
        (Gauge<Long>) () -> ExecutorModels.sumWrapperStats(s -> s.variantsCompiled()));
    metrics.register("compile.millis",
        (Gauge<Long>) () -> ExecutorModels.sumWrapperStats(s -> s.compileNanos() / 1_000_000));
    metrics.register("dispatch.calls",
        (Gauge<Long>) () -> ExecutorModels.sumWrapperStats(s -> s.calls()));
    metrics.register("dispatch.realTokens",
        (Gauge<Long>) () -> ExecutorModels.sumWrapperStats(s -> s.realTokens()));
    metrics.register("dispatch.paddedTokens",
        (Gauge<Long>) () -> ExecutorModels.sumWrapperStats(s -> s.paddedTokens()));
    metrics.register("cache.hits", (Gauge<Long>) () -> ExecutorModels.sumCacheStats(s -> s.hits()));
    metrics.register("cache.misses",
        (Gauge<Long>) () -> ExecutorModels.sumCacheStats(s -> s.misses()));
    metrics.register("cache.rebuilds",
        (Gauge<Long>) () -> ExecutorModels.sumCacheStats(s -> s.rebuilds()));
  }

  /** Frees the models' native resources when the executor (or local-mode app) stops. */
  @Override
  public void shutdown() {
    ExecutorModels.closeAll();
  }
}
