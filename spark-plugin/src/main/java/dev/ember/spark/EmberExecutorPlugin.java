package dev.ember.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
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
    ResourceInformation gpu = ctx.resources().get("gpu");
    if (gpu != null) {
      LOG.info("Ember executor {}: GPU addresses {} (device {}; the CUDA backend arrives with"
          + " issue #6, models run on the CPU)", ctx.executorID(),
          String.join(",", gpu.addresses()), conf.get(EmberConf.DEVICE));
    }
    EngineSettings settings = EngineSettings.from(conf);
    HadoopModelFiles files =
        new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(ctx.conf()));
    for (String spec : conf.get(EmberConf.MODELS)) {
      ExecutorModels.embedder(spec, settings, files);
    }
    LOG.info("Ember executor {} ready: {} model(s) loaded in {} ms", ctx.executorID(),
        ExecutorModels.size(), ExecutorModels.loadMillis());
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
