package dev.ember.spark.sql

import scala.collection.mutable
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{Alias, Attribute, AttributeReference, NamedExpression}
import org.apache.spark.sql.catalyst.plans.logical.{LogicalPlan, Project}
import org.apache.spark.sql.catalyst.rules.Rule

/**
 * Lifts each Ember call out of a projection into an [[EmberBatchEval]] below it, the way Spark
 * lifts Python UDFs: its arguments become columns of a projection under the node, and the call
 * becomes a reference to the node's result column. In RAPIDS mode the calls become `ScalaUDF`s
 * in place instead ([[RapidsCalls]]), which the RAPIDS Accelerator can keep on the GPU.
 */
object ExtractEmberCalls extends Rule[LogicalPlan] {
  override def apply(plan: LogicalPlan): LogicalPlan = {
    if (!plan.exists(_.expressions.exists(_.exists(_.isInstanceOf[EmberCall])))) {
      plan
    } else if (RapidsCalls.enabled(SparkSession.active)) {
      plan.transformAllExpressions { case c: EmberCall => RapidsCalls.toUdf(c) }
    } else {
      lift(plan)
    }
  }

  private def lift(plan: LogicalPlan): LogicalPlan = plan.transformUp {
    case Project(list, child) if list.exists(hasCall) =>
      val calls = list.flatMap(_.collect { case c: EmberCall => c }).distinct
      val results = mutable.LinkedHashMap[EmberCall, Attribute]()
      var input: LogicalPlan = child
      for (c <- calls) {
        val args = c.children.zipWithIndex.map { case (e, i) => Alias(e, s"ember_arg$i")() }
        val result = AttributeReference(c.prettyName, c.dataType, nullable = true)()
        input = EmberBatchEval(c.function, c.model, c.call, args.map(_.toAttribute), result,
          Project(input.output ++ args, input))
        results(c) = result
      }
      val replaced = list.map(_.transform { case c: EmberCall => results(c) })
      Project(replaced.map(_.asInstanceOf[NamedExpression]), input)
  }

  private def hasCall(e: NamedExpression): Boolean = e.exists(_.isInstanceOf[EmberCall])
}
