package dev.ember.spark.sql

import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.execution.{SparkPlan, SparkStrategy}

/** Plans [[EmberBatchEval]] as [[EmberBatchEvalExec]]. */
object EmberStrategy extends SparkStrategy {
  override def apply(plan: LogicalPlan): Seq[SparkPlan] = plan match {
    case e: EmberBatchEval =>
      EmberBatchEvalExec(e.function, e.model, e.call, e.args, e.result, planLater(e.child)) :: Nil
    case _ => Nil
  }
}
