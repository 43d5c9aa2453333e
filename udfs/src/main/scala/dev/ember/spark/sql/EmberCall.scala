package dev.ember.spark.sql

import dev.ember.executor.errors.{ErrorCode, Errors}
import dev.ember.udfs.SqlCall
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{Expression, Literal, Unevaluable}
import org.apache.spark.sql.types.{DataType, StringType, StructField, StructType}

/**
 * A call of `ember_predict` or `ember_embed` as it stands in an analysed plan. It is never
 * evaluated row by row: [[ExtractEmberCalls]] lifts it into an [[EmberBatchEval]] node that runs
 * the model over whole batches. Its type comes from the model's signature, read on the driver, so
 * a bad call fails at analysis, before any task.
 */
case class EmberCall(function: String, model: Option[String], children: Seq[Expression])
    extends Expression with Unevaluable {

  @transient lazy val call: SqlCall = {
    val spark = SparkSession.active
    val args = StructType(children.zipWithIndex.map { case (c, i) =>
      StructField(s"_$i", c.dataType, c.nullable)
    })
    if (function == EmberCall.Predict) SqlCall.predict(spark, model.get, args)
    else SqlCall.embed(spark, model.orNull, args)
  }

  override lazy val dataType: DataType = call.resultType()

  override def nullable: Boolean = true

  override def prettyName: String = function

  override def toString: String =
    s"$function(${(model.map(m => s"'$m'").toSeq ++ children.map(_.toString)).mkString(", ")})"

  override protected def withNewChildrenInternal(newChildren: IndexedSeq[Expression]): Expression =
    copy(children = newChildren)
}

object EmberCall {
  val Predict = "ember_predict"
  val Embed = "ember_embed"

  /** `ember_predict(model, arg, ...)`: the model is a string literal. */
  def predict(args: Seq[Expression]): Expression = {
    if (args.size < 2) {
      throw Errors.of(ErrorCode.BAD_INPUT,
        s"$Predict takes a model and at least one argument, but got ${args.size} argument(s)",
        s"call $Predict('/path/model.onnx', col1, col2, ...)")
    }
    EmberCall(Predict, Some(modelOf(Predict, args.head)), args.tail)
  }

  /** `ember_embed(text [, model])`. */
  def embed(args: Seq[Expression]): Expression = args match {
    case Seq(text) => EmberCall(Embed, None, Seq(text))
    case Seq(text, model) => EmberCall(Embed, Some(modelOf(Embed, model)), Seq(text))
    case _ => throw Errors.of(ErrorCode.BAD_INPUT,
      s"$Embed takes a text and an optional model, but got ${args.size} argument(s)",
      s"call $Embed(text_column) or $Embed(text_column, 'builtin:all-minilm-l6-v2')")
  }

  private def modelOf(function: String, e: Expression): String = e match {
    case Literal(v, StringType) if v != null => v.toString
    case other => throw Errors.of(ErrorCode.BAD_INPUT,
      s"the model of $function must be a string literal, but got $other",
      s"write the model spec in quotes, e.g. $function('builtin:all-minilm-l6-v2', ...)")
  }
}
