package dev.ember.spark.sql

import scala.collection.JavaConverters._
import dev.ember.udfs.SqlCall
import org.apache.spark.rdd.RDD
import org.apache.spark.sql.Row
import org.apache.spark.sql.catalyst.{CatalystTypeConverters, InternalRow}
import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet, GenericInternalRow, JoinedRow, UnsafeProjection}
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.types.{StructField, StructType}

/**
 * The physical [[EmberBatchEval]]: per partition, hands the argument columns of each row to the
 * call's partition function (the DataFrame API's, so the same batches and captured variants) and
 * appends one result per row, in order.
 */
case class EmberBatchEvalExec(
    function: String,
    model: Option[String],
    call: SqlCall,
    args: Seq[Attribute],
    result: Attribute,
    child: SparkPlan) extends UnaryExecNode {

  override def output: Seq[Attribute] = child.output :+ result

  override def producedAttributes: AttributeSet = AttributeSet(result)

  override def simpleString(maxFields: Int): String =
    s"EmberBatchEval $function(${(model.map(m => s"'$m'").toSeq ++ args).mkString(", ")})" +
      s" -> $result"

  override protected def doExecute(): RDD[InternalRow] = {
    val inputs = child.output
    val positions = args.map(a => inputs.indexWhere(_.exprId == a.exprId))
    val types = positions.map(i => inputs(i).dataType)
    val argSchema = StructType(args.zipWithIndex.map { case (a, i) =>
      StructField(s"_$i", a.dataType, a.nullable)
    })
    val fn = call
    val resultType = result.dataType
    val out = output
    child.execute().mapPartitions { rows =>
      val toRow = CatalystTypeConverters.createToScalaConverter(argSchema)
      val toCatalyst = CatalystTypeConverters.createToCatalystConverter(resultType)
      val project = UnsafeProjection.create(out, out)
      val pending = new java.util.ArrayDeque[InternalRow]()
      val argRows = rows.map { r =>
        val kept = r.copy()
        pending.add(kept)
        val values = positions.indices.map(k => kept.get(positions(k), types(k))).toArray[Any]
        toRow(new GenericInternalRow(values)).asInstanceOf[Row]
      }
      fn.results(argRows.asJava).asScala.map { v =>
        project(new JoinedRow(pending.poll(), new GenericInternalRow(Array[Any](toCatalyst(v)))))
      }
    }
  }

  override protected def withNewChildInternal(newChild: SparkPlan): EmberBatchEvalExec =
    copy(child = newChild)
}
