package dev.ember.spark.sql

import scala.collection.mutable
import org.apache.spark.sql.catalyst.expressions.{Alias, Attribute, AttributeReference, Expression, NamedExpression, SortOrder}
import org.apache.spark.sql.catalyst.plans.logical.{Aggregate, Filter, LogicalPlan, Project, Sort}
import org.apache.spark.sql.catalyst.rules.Rule

/**
 * Lifts each Ember call out of the node that holds it into an [[EmberBatchEval]] below that node,
 * the way Spark lifts Python UDFs: its arguments become columns of a projection under the batch
 * node, and the call becomes a reference to the node's result column. Calls may stand in a
 * projection, a filter (`WHERE`), a sort (`ORDER BY`) or an aggregate (`GROUP BY`, or inside an
 * aggregate function); a filter or sort gets a projection above it that drops the result columns
 * again, so its output is what it was.
 */
object ExtractEmberCalls extends Rule[LogicalPlan] {
  override def apply(plan: LogicalPlan): LogicalPlan = plan.transformUp {
    case Project(list, child) if list.exists(hasCall) =>
      val (replaced, input) = lift(list, child)
      Project(replaced.map(_.asInstanceOf[NamedExpression]), input)
    case Filter(condition, child) if hasCall(condition) =>
      val (replaced, input) = lift(Seq(condition), child)
      Project(child.output, Filter(replaced.head, input))
    case Sort(order, global, child) if order.exists(hasCall) =>
      val (replaced, input) = lift(order, child)
      Project(child.output, Sort(replaced.map(_.asInstanceOf[SortOrder]), global, input))
    case Aggregate(groups, aggregates, child) if (groups ++ aggregates).exists(hasCall) =>
      val (replaced, input) = lift(groups ++ aggregates, child)
      Aggregate(replaced.take(groups.size),
        replaced.drop(groups.size).map(_.asInstanceOf[NamedExpression]), input)
  }

  /**
   * Puts one batch node per distinct call of `exprs` over `child` and returns `exprs` with each
   * call replaced by its result column, and the new child.
   */
  private def lift(exprs: Seq[Expression], child: LogicalPlan): (Seq[Expression], LogicalPlan) = {
    val calls = exprs.flatMap(_.collect { case c: EmberCall => c }).distinct
    val results = mutable.LinkedHashMap[EmberCall, Attribute]()
    var input: LogicalPlan = child
    for (c <- calls) {
      val args = c.children.zipWithIndex.map { case (e, i) => Alias(e, s"ember_arg$i")() }
      val result = AttributeReference(c.prettyName, c.dataType, nullable = true)()
      input = EmberBatchEval(c.function, c.model, c.call, args.map(_.toAttribute), result,
        Project(input.output ++ args, input))
      results(c) = result
    }
    (exprs.map(_.transform { case c: EmberCall => results(c) }), input)
  }

  private def hasCall(e: Expression): Boolean = e.exists(_.isInstanceOf[EmberCall])
}
