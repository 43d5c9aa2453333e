package dev.ember.spark

import dev.ember.spark.sql.{EmberCall, EmberStrategy, ExtractEmberCalls}
import org.apache.spark.sql.SparkSessionExtensions
import org.apache.spark.sql.catalyst.FunctionIdentifier
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo

/**
 * Ember's SQL functions, for `spark.sql.extensions=dev.ember.spark.EmberExtensions`:
 * `ember_predict(model, arg, ...)` (a struct of the model's outputs) and
 * `ember_embed(text [, model])` (a sentence embedding). Both run in batches of
 * `spark.ember.batchSize` through the same executor-local models as the DataFrame API.
 */
class EmberExtensions extends (SparkSessionExtensions => Unit) {
  override def apply(ext: SparkSessionExtensions): Unit = {
    ext.injectFunction((FunctionIdentifier(EmberCall.Predict),
      new ExpressionInfo(classOf[EmberCall].getName, EmberCall.Predict), EmberCall.predict _))
    ext.injectFunction((FunctionIdentifier(EmberCall.Embed),
      new ExpressionInfo(classOf[EmberCall].getName, EmberCall.Embed), EmberCall.embed _))
    ext.injectOptimizerRule(_ => ExtractEmberCalls)
    ext.injectPlannerStrategy(_ => EmberStrategy)
  }
}
