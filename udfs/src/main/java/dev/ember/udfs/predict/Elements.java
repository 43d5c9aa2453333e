package dev.ember.udfs.predict;

import dev.ember.executor.ir.DType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Which Spark element types feed which graph element types: exactly (every value is kept) or
 * only by narrowing (doubles into a float input, longs into int32), which the caller must allow.
 */
final class Elements {
  /** How a Spark element type reaches a graph element type. */
  enum Fit {
    EXACT,
    NARROWING,
    NONE
  }

  private Elements() {}

  static Fit fit(DataType spark, DType graph) {
    int bits = integerBits(spark);
    boolean floating = spark instanceof FloatType || spark instanceof DoubleType;
    return switch (graph.storage()) {
      case FLOAT -> spark instanceof FloatType || (bits > 0 && bits <= 16) ? Fit.EXACT
          : spark instanceof DoubleType || bits > 16 ? Fit.NARROWING : Fit.NONE;
      case DOUBLE -> floating || (bits > 0 && bits <= 32) ? Fit.EXACT
          : bits == 64 ? Fit.NARROWING : Fit.NONE;
      case LONG -> bits == 0 ? Fit.NONE
          : graph == DType.INT64 || !graph.isUnsigned() && bits <= graph.byteSize() * 8
              ? Fit.EXACT : Fit.NARROWING;
      case BOOL -> spark instanceof BooleanType ? Fit.EXACT : Fit.NONE;
      case STRING -> spark.equals(DataTypes.StringType) ? Fit.EXACT : Fit.NONE;
    };
  }

  /** The element type of a column that holds numbers: itself, an array's (nested) element, or a
   * vector's doubles; null when the column holds no numbers. */
  static DataType elementOf(DataType t) {
    while (t instanceof org.apache.spark.sql.types.ArrayType a) {
      t = a.elementType();
    }
    if (MlVectors.isVectorType(t)) {
      return DataTypes.DoubleType;
    }
    return t;
  }

  /** Nested array depth of a column type (0 for scalars and vectors). */
  static int arrayDepth(DataType t) {
    int d = 0;
    while (t instanceof org.apache.spark.sql.types.ArrayType a) {
      t = a.elementType();
      d++;
    }
    return d;
  }

  /** The Spark type that holds a graph element type in an output column. */
  static DataType sparkTypeOf(DType t) {
    return switch (t) {
      case FLOAT, FLOAT16, BFLOAT16 -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case INT8, UINT8, INT16, UINT16, INT32 -> DataTypes.IntegerType;
      case BOOL -> DataTypes.BooleanType;
      case STRING -> DataTypes.StringType;
      default -> DataTypes.LongType;
    };
  }

  private static int integerBits(DataType t) {
    if (t instanceof ByteType) {
      return 8;
    }
    if (t instanceof ShortType) {
      return 16;
    }
    if (t instanceof IntegerType) {
      return 32;
    }
    if (t instanceof LongType) {
      return 64;
    }
    return 0;
  }
}
