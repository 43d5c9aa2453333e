package dev.ember.spark;

import dev.ember.executor.text.ModelSpec;
import dev.ember.spark.conf.EmberConf;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver half of {@link EmberPlugin}: fails the application at start, before any executor or
 * task, on a bad {@code spark.ember.*} value or a model spec whose files are missing.
 */
final class EmberDriverPlugin implements DriverPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(EmberDriverPlugin.class);

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext ctx) {
    EmberConf conf = EmberConf.from(sc.getConf());
    for (String spec : conf.get(EmberConf.MODELS)) {
      ModelChecks.checkFilesExist(ModelSpec.parse(spec), sc.hadoopConfiguration());
    }
    LOG.info("Ember driver plugin: configuration valid, models {}", conf.get(EmberConf.MODELS));
    return Map.of();
  }
}
