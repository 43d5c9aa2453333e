package dev.ember.spark.sql

import dev.ember.udfs.rapids.{ColumnarTypes, RapidsMode}
import org.apache.spark.internal.Logging
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{CreateNamedStruct, Expression, Literal, ScalaUDF}

/**
 * Ember calls as the RAPIDS Accelerator sees them. RAPIDS replaces only expressions it knows; a
 * custom plan node such as [[EmberBatchEvalExec]] would cut a GPU plan in two (GPU to CPU rows
 * and back). So in RAPIDS mode ([[RapidsMode]]) each call becomes a `ScalaUDF` named after the
 * function, whose function implements `com.nvidia.spark.RapidsUDF` when Ember's columnar path
 * takes the call's argument types, and stays a plain row function (which RAPIDS reports as
 * CPU-only) when it does not.
 */
object RapidsCalls extends Logging {

  /** Whether calls in `spark`'s plans become `ScalaUDF`s. */
  def enabled(spark: SparkSession): Boolean = RapidsMode.udfsFor(spark)

  /** The `ScalaUDF` that computes `c`: its arguments packed into one struct when several. */
  def toUdf(c: EmberCall): ScalaUDF = {
    val packed = c.children.size > 1
    val arg: Expression = if (packed) {
      CreateNamedStruct(c.children.zipWithIndex.flatMap { case (e, i) =>
        Seq(Literal(s"_$i"), e)
      })
    } else {
      c.children.head
    }
    val reason = ColumnarTypes.whyNot(c.function, c.children.map(_.dataType).toArray)
    val fn: EmberRowFunction = if (reason.isPresent) {
      logWarning(s"${c.function} stays on the CPU under the RAPIDS Accelerator: ${reason.get}")
      new EmberRowFunction(c.call, packed)
    } else {
      EmberRapidsFunction.create(c.call, packed)
    }
    ScalaUDF(fn, c.dataType, Seq(arg), Nil, None, Some(c.function), nullable = true,
      udfDeterministic = true)
  }
}
