package dev.ember.udfs.rapids;

import java.util.Optional;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;

/**
 * Which argument types Ember's columnar (GPU plan) path reads: fixed-width numbers, one level of
 * array of FLOAT32/FLOAT64/INT32/INT64 (cudf {@code LIST}), and strings for text. Anything else
 * (nested arrays, ML vectors, decimals, booleans, maps) keeps the call on the CPU, and the reason
 * says which argument and what to do. Called on the driver while a query is planned.
 */
public final class ColumnarTypes {
  private ColumnarTypes() {}

  /**
   * Why the columnar path cannot take a call with these argument types, or empty when it can.
   *
   * @param function the SQL function, for the message
   * @param args the types of the call's arguments after the model, in order
   */
  public static Optional<String> whyNot(String function, DataType[] args) {
    for (int i = 0; i < args.length; i++) {
      DataType t = args[i];
      if (scalar(t) || t instanceof StringType) {
        continue;
      }
      if (t instanceof ArrayType a && listElement(a.elementType())) {
        continue;
      }
      return Optional.of("argument " + (i + 1) + " of " + function + " has type "
          + t.simpleString() + ", which Ember's columnar path does not read (it takes numbers,"
          + " arrays of float/double/int/bigint and strings); cast it, e.g. an ML vector with"
          + " vector_to_array(v, 'float32'), to keep the projection on the GPU");
    }
    return Optional.empty();
  }

  private static boolean scalar(DataType t) {
    return t instanceof ByteType || t instanceof ShortType || t instanceof IntegerType
        || t instanceof LongType || t instanceof FloatType || t instanceof DoubleType;
  }

  private static boolean listElement(DataType t) {
    return t instanceof IntegerType || t instanceof LongType || t instanceof FloatType
        || t instanceof DoubleType;
  }
}
