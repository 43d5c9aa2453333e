package dev.ember.spark.sql

import java.util.Collections

import dev.ember.udfs.SqlCall
import org.apache.spark.sql.Row

/**
 * The function of an Ember call planned as a Spark `ScalaUDF` (for the RAPIDS Accelerator, see
 * [[RapidsCalls]]): one argument, either the call's only argument or a struct that packs all of
 * them, so one arity serves every call. Row by row, each row is one model call through the same
 * [[SqlCall]] as the batch node; a null argument gives a null result.
 *
 * This class has no GPU implementation: RAPIDS leaves a projection holding it on the CPU and
 * says so in its explain output. [[EmberRapidsFunction]] adds the columnar one.
 */
class EmberRowFunction(val call: SqlCall, val packed: Boolean)
    extends (Any => Any) with Serializable {

  override def apply(arg: Any): Any = {
    val row = if (packed) arg.asInstanceOf[Row] else Row(arg)
    val out = call.results(Collections.singletonList(row).iterator())
    if (out.hasNext) out.next() else null
  }
}
