package dev.ember.udfs;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** A local[2] session on loopback, with Ember's plugin and Kryo registration enforced. */
public final class LocalSpark {
  private LocalSpark() {}

  public static SparkSession start(Map<String, String> extra) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("ember-test")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.plugins", "dev.ember.spark.EmberPlugin")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryo.registrationRequired", "true")
            .config("spark.kryo.registrator", "dev.ember.spark.EmberKryoRegistrator");
    extra.forEach(b::config);
    return b.getOrCreate();
  }
}
