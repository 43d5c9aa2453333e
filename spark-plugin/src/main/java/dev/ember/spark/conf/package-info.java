/**
 * Ember's typed configuration: every {@code spark.ember.*} key is one {@link
 * dev.ember.spark.conf.ConfEntry} declared in {@link dev.ember.spark.conf.EmberConf}, with its
 * type, default, doc, since-version, scope and visibility. {@link
 * dev.ember.spark.conf.EmberConf#from(java.util.Map)} validates a whole Spark configuration at
 * once, and {@link dev.ember.spark.conf.ConfigDocs} writes {@code docs/configuration.md} from the
 * same declarations.
 *
 * <p>Only this package reads configuration keys by name; everything else reads typed values:
 *
 * <pre>{@code
 * EmberConf conf = EmberConf.from(sparkConf);
 * int batchSize = conf.get(EmberConf.BATCH_SIZE);
 * }</pre>
 */
package dev.ember.spark.conf;
