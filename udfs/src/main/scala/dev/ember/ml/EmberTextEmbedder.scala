package dev.ember.ml

import dev.ember.udfs.TextEmbeddings
import org.apache.spark.ml.Transformer
import org.apache.spark.ml.param.{IntParam, Param, ParamMap, ParamValidators}
import org.apache.spark.ml.util.{DefaultParamsReadable, DefaultParamsWritable, Identifiable}
import org.apache.spark.sql.{DataFrame, Dataset}
import org.apache.spark.sql.types.{ArrayType, FloatType, StructField, StructType}

/**
 * Sentence embeddings as an ML Pipeline stage: the string column `inputCol` becomes the unit
 * vector column `outputCol` (`array<float>`), through [[dev.ember.udfs.TextEmbeddings]].
 */
class EmberTextEmbedder(override val uid: String) extends Transformer
    with DefaultParamsWritable {
  def this() = this(Identifiable.randomUID("emberTextEmbedder"))

  final val model = new Param[String](this, "model", "the sentence encoder: a builtin or a path")
  final val inputCol = new Param[String](this, "inputCol", "the text column")
  final val outputCol = new Param[String](this, "outputCol", "the embedding column")
  final val batchSize = new IntParam(this, "batchSize", "rows per model call",
    ParamValidators.gtEq(1))

  setDefault(model -> "builtin:all-minilm-l6-v2", outputCol -> "embedding", batchSize -> 32)

  def setModel(v: String): this.type = set(model, v)
  def setInputCol(v: String): this.type = set(inputCol, v)
  def setOutputCol(v: String): this.type = set(outputCol, v)
  def setBatchSize(v: Int): this.type = set(batchSize, v)

  override def transform(dataset: Dataset[_]): DataFrame =
    TextEmbeddings.of($(inputCol)).outputCol($(outputCol)).model($(model))
      .batchSize($(batchSize)).transform(dataset.toDF())

  override def transformSchema(schema: StructType): StructType =
    schema.add(StructField($(outputCol), ArrayType(FloatType, containsNull = false), nullable = true))

  override def copy(extra: ParamMap): EmberTextEmbedder = defaultCopy(extra)
}

object EmberTextEmbedder extends DefaultParamsReadable[EmberTextEmbedder]
