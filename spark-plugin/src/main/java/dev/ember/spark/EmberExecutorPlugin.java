package dev.ember.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.spark.conf.EmberConf;
import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executor half of {@link EmberPlugin}: before the executor takes its first task, loads each
 * model of {@code spark.ember.models} into {@link ExecutorModels}, where all tasks of this
 * executor share it, and registers Ember's metrics. A model that fails to load fails executor
 * start with the reason, rather than every task later.
 */
final class EmberExecutorPlugin implements ExecutorPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(EmberExecutorPlugin.class);

  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
    EmberConf conf = EmberConf.from(ctx.conf());
    registerMetrics(ctx.metricRegistry());
    checkDevice(ctx, conf.get(EmberConf.DEVICE));
    EngineSettings settings = EngineSettings.from(conf);
    HadoopModelFiles files =
        new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(ctx.conf()));
    for (String spec : conf.get(EmberConf.MODELS)) {
      ExecutorModels.embedder(spec, settings, files);
    }
    LOG.info("Ember executor {} ready: {} model(s) loaded in {} ms", ctx.executorID(),
        ExecutorModels.size(), ExecutorModels.loadMillis());
  }

  /**
   * Logs the GPUs Spark assigned to this executor and holds {@code spark.ember.device} to what
   * {@link GpuProbe} finds: {@code cuda} without a usable CUDA device fails executor start with
   * the reason; {@code auto} falls back to the CPU, with a warning when Spark assigned a GPU.
   */
  private static void checkDevice(PluginContext ctx, String device) {
    ResourceInformation gpu = ctx.resources().get("gpu");
    String addresses = gpu == null ? "" : String.join(",", gpu.addresses());
    if (gpu != null) {
      LOG.info("Ember executor {}: GPU addresses [{}] (spark.ember.device={})",
          ctx.executorID(), addresses, device);
    }
    if (device.equals("cpu")) {
      return;
    }
    GpuProbe.Result cuda = GpuProbe.probe();
    if (cuda.usable()) {
      LOG.info("Ember executor {}: CUDA device found ({}); models run on the CPU until the CUDA"
          + " backend arrives (issue #6)", ctx.executorID(), cuda.detail());
    } else if (device.equals("cuda")) {
      // PluginContext.hostname() throws a NullPointerException on executors (Spark 3.5.3).
      EmberException e = Errors.of(ErrorCode.BAD_CONF,
          "spark.ember.device=cuda but no usable CUDA device on executor " + ctx.executorID()
              + " (Spark GPU addresses [" + addresses + "]): " + cuda.detail(),
          "run the executors on nodes with an NVIDIA GPU and its driver, or set"
              + " spark.ember.device=auto (falls back to the CPU) or cpu");
      reportToDriver(ctx, e.getMessage());
      throw e;
    } else if (gpu != null) {
      LOG.warn("Ember executor {}: Spark assigned GPU addresses [{}] but there is no usable CUDA"
          + " device ({}); falling back to the CPU (spark.ember.device=auto)",
          ctx.executorID(), addresses, cuda.detail());
    }
  }

  /**
   * Tells the driver why this executor cannot start. A standalone Master relaunches a failed
   * executor again and again, and the driver only hears "Command exited with code 1"; the driver
   * plugin fails the application with this reason instead ({@link EmberDriverPlugin#receive}).
   */
  private static void reportToDriver(PluginContext ctx, String reason) {
    try {
      ctx.ask("executor " + ctx.executorID() + " cannot start: " + reason);
    } catch (Exception e) { // the driver may be gone; the executor fails with the reason anyway
      LOG.warn("Ember executor {}: could not report its failure to the driver: {}",
          ctx.executorID(), e.toString());
    }
  }

  private static void registerMetrics(MetricRegistry metrics) {
    metrics.register("modelLoads", (Gauge<Long>) ExecutorModels::loadCount);
    metrics.register("modelLoadMillis", (Gauge<Long>) ExecutorModels::loadMillis);
    metrics.register("rowsEmbedded", (Gauge<Long>) EmberMetrics::rowsEmbedded);
    metrics.register("batches", (Gauge<Long>) EmberMetrics::batches);
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
