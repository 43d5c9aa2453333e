package dev.ember.udfs.rapids;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.spark.conf.EmberConf;
import dev.ember.udfs.SqlCall;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Decides whether Ember's SQL functions are planned as RAPIDS-accelerated UDFs ({@code
 * spark.ember.sql.rapids}): {@code auto} follows whether the RAPIDS Accelerator's SQL plugin is
 * on, {@code on} and {@code off} force it. Called on the driver while a query is optimised.
 */
public final class RapidsMode {
  /** The RAPIDS Accelerator's plugin class, as users put it in {@code spark.plugins}. */
  public static final String SQL_PLUGIN = "com.nvidia.spark.SQLPlugin";

  /** The class every RAPIDS-accelerated UDF implements. */
  static final String RAPIDS_UDF = "com.nvidia.spark.RapidsUDF";

  private RapidsMode() {}

  /**
   * Whether calls in {@code spark}'s queries become RAPIDS UDFs.
   *
   * @throws dev.ember.executor.errors.EmberException DEVICE_UNAVAILABLE when the setting is
   *     {@code on} but the RAPIDS jar is not on the driver's classpath
   */
  public static boolean udfsFor(SparkSession spark) {
    String mode = SqlCall.conf(spark).get(EmberConf.SQL_RAPIDS);
    SparkConf conf = spark.sparkContext().getConf();
    String sqlEnabled = spark.conf().get("spark.rapids.sql.enabled", "true");
    boolean on = switch (mode) {
      case "on" -> true;
      case "off" -> false;
      default -> pluginListed(conf.get("spark.plugins", ""))
          && !"false".equals(sqlEnabled.trim().toLowerCase(Locale.ROOT));
    };
    if (on && !rapidsJarPresent()) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "spark.ember.sql.rapids is '" + mode
          + "' but the RAPIDS Accelerator is not on the classpath (no class " + RAPIDS_UDF + ")",
          "add the rapids-4-spark jar (--jars or spark.driver/executor.extraClassPath), or set"
              + " spark.ember.sql.rapids=off");
    }
    return on;
  }

  /** Whether a {@code spark.plugins} value lists the RAPIDS SQL plugin. */
  static boolean pluginListed(String plugins) {
    return Arrays.stream(plugins.split(",")).map(String::trim).anyMatch(SQL_PLUGIN::equals);
  }

  /** True when RapidsUDF is loadable: from the RAPIDS jar (Ember's jar never ships the stub). */
  static boolean rapidsJarPresent() {
    try {
      Class.forName(RAPIDS_UDF, false, Thread.currentThread().getContextClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
