package dev.ember.spark.sql

import ai.rapids.cudf.ColumnVector
import com.nvidia.spark.RapidsUDF
import dev.ember.udfs.SqlCall
import dev.ember.udfs.rapids.ColumnarCall

/**
 * [[EmberRowFunction]] with the RAPIDS Accelerator's columnar entry point: on a GPU plan the
 * plugin hands the argument column of a whole batch to [[evaluateColumnar]] and keeps the
 * projection on the GPU. Loaded only when RAPIDS mode is on, so the RAPIDS jar is present.
 */
class EmberRapidsFunction(call: SqlCall, packed: Boolean)
    extends EmberRowFunction(call, packed) with RapidsUDF {

  override def evaluateColumnar(numRows: Int, args: ColumnVector*): ColumnVector =
    ColumnarCall.evaluate(call, packed, numRows, args: _*)
}

/**
 * Builds [[EmberRapidsFunction]]s. The only class besides it that names it: the JVM's verifier
 * loads a class's interfaces while linking code that uses it as its superclass, so naming it in
 * [[RapidsCalls]] would make every query need the RAPIDS jar (see WithoutRapidsJarTest).
 */
object EmberRapidsFunction {
  def create(call: SqlCall, packed: Boolean): EmberRowFunction =
    new EmberRapidsFunction(call, packed)
}
