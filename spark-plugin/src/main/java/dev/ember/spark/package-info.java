/**
 * Ember's Spark plugin: the {@code SparkPlugin} entry point, the typed {@code spark.ember.*}
 * configuration registry and the executor-local model registry. Built by issue #3; this module
 * depends on {@code ember-executor} and on Spark ({@code provided}).
 */
package dev.ember.spark;
