package dev.ember.spark.sql

import dev.ember.udfs.SqlCall
import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet}
import org.apache.spark.sql.catalyst.plans.logical.{LogicalPlan, UnaryNode}

/**
 * Runs one Ember call over its child's rows in batches: the child carries the call's arguments as
 * columns `args`; the node adds `result`. The counterpart of Spark's `BatchEvalPython`.
 */
case class EmberBatchEval(
    function: String,
    model: Option[String],
    call: SqlCall,
    args: Seq[Attribute],
    result: Attribute,
    child: LogicalPlan) extends UnaryNode {

  override def output: Seq[Attribute] = child.output :+ result

  override def producedAttributes: AttributeSet = AttributeSet(result)

  override def simpleString(maxFields: Int): String =
    s"EmberBatchEval $function(${(model.map(m => s"'$m'").toSeq ++ args).mkString(", ")})" +
      s" -> $result"

  override protected def withNewChildInternal(newChild: LogicalPlan): EmberBatchEval =
    copy(child = newChild)
}
