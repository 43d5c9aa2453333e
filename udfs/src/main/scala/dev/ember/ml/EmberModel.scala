package dev.ember.ml

import dev.ember.udfs.EmberPredict
import org.apache.spark.ml.Transformer
import org.apache.spark.ml.param.{BooleanParam, IntParam, Param, ParamMap, ParamValidators, StringArrayParam}
import org.apache.spark.ml.util.{DefaultParamsReadable, DefaultParamsWritable, Identifiable}
import org.apache.spark.sql.{DataFrame, Dataset}
import org.apache.spark.sql.types.StructType

/**
 * Any batchable ONNX model as an ML Pipeline stage: `inputCols` feed graph input `graphInput`
 * (by default the graph's only input), graph output `graphOutput` (by default its first) becomes
 * `outputCol`, and with `labelCol` set the index of its largest value too. Runs through
 * [[dev.ember.udfs.EmberPredict]], so the model is compiled once per executor; saves and loads
 * with the pipeline.
 *
 * {{{
 * val pipeline = new Pipeline().setStages(Array(
 *   new VectorAssembler().setInputCols(cols).setOutputCol("features"),
 *   new EmberModel().setModel("/models/wine.onnx").setInputCols(Array("features"))
 *     .setOutputCol("scores").setLabelCol("label").setAllowNarrowing(true)))
 * }}}
 */
class EmberModel(override val uid: String) extends Transformer with DefaultParamsWritable {
  def this() = this(Identifiable.randomUID("emberModel"))

  final val model = new Param[String](this, "model", "the ONNX model: a path, a URI or a builtin")
  final val inputCols = new StringArrayParam(this, "inputCols",
    "columns that feed the graph input: numeric scalars, or one array or vector column")
  final val graphInput = new Param[String](this, "graphInput",
    "the graph input they feed; empty for the graph's only input")
  final val graphOutput = new Param[String](this, "graphOutput",
    "the graph output to keep; empty for its first output")
  final val outputCol = new Param[String](this, "outputCol", "the column of the output")
  final val labelCol = new Param[String](this, "labelCol",
    "when set, a column with the index of the output's largest value (a class)")
  final val batchSize = new IntParam(this, "batchSize", "rows per model call",
    ParamValidators.gtEq(1))
  final val allowNarrowing = new BooleanParam(this, "allowNarrowing",
    "let double values (ML vectors) feed float inputs, rounding each")

  setDefault(graphInput -> "", graphOutput -> "", outputCol -> "prediction", labelCol -> "",
    batchSize -> 256, allowNarrowing -> false)

  def setModel(v: String): this.type = set(model, v)
  def setInputCols(v: Array[String]): this.type = set(inputCols, v)
  def setGraphInput(v: String): this.type = set(graphInput, v)
  def setGraphOutput(v: String): this.type = set(graphOutput, v)
  def setOutputCol(v: String): this.type = set(outputCol, v)
  def setLabelCol(v: String): this.type = set(labelCol, v)
  def setBatchSize(v: Int): this.type = set(batchSize, v)
  def setAllowNarrowing(v: Boolean): this.type = set(allowNarrowing, v)

  override def transform(dataset: Dataset[_]): DataFrame = predict(dataset).transform(dataset.toDF())

  override def transformSchema(schema: StructType): StructType = schema // checked in transform

  override def copy(extra: ParamMap): EmberModel = defaultCopy(extra)

  private def predict(dataset: Dataset[_]): EmberPredict = {
    val sig = EmberPredict.signatureOf(dataset.sparkSession, $(model))
    val input = if ($(graphInput).nonEmpty) $(graphInput) else sig.inputs().get(0).name()
    val output = if ($(graphOutput).nonEmpty) $(graphOutput) else sig.outputs().get(0).name()
    var p = EmberPredict.model($(model)).input(input, $(inputCols): _*)
      .output(output, $(outputCol)).batchSize($(batchSize)).allowNarrowing($(allowNarrowing))
    if ($(labelCol).nonEmpty) {
      p = p.argmax(output, $(labelCol))
    }
    p
  }
}

object EmberModel extends DefaultParamsReadable[EmberModel]
