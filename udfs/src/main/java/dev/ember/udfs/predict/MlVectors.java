package dev.ember.udfs.predict;

import java.lang.reflect.Method;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Spark ML vectors (dense and sparse), recognised by name: spark-mllib is on every cluster that
 * makes them, but Ember does not need it on its own classpath.
 */
final class MlVectors {
  private static final String UDT = "org.apache.spark.ml.linalg.VectorUDT";
  private static final String VECTOR = "org.apache.spark.ml.linalg.Vector";

  private MlVectors() {}

  /** Whether a column type is Spark ML's vector type. */
  static boolean isVectorType(DataType t) {
    return t instanceof UserDefinedType<?> && t.getClass().getName().equals(UDT);
  }

  /** Whether a value is a Spark ML vector. */
  static boolean isVector(Object value) {
    for (Class<?> c : value.getClass().getInterfaces()) {
      if (c.getName().equals(VECTOR)) {
        return true;
      }
    }
    return false;
  }

  /** A vector's values, zeros of a sparse one included. */
  static double[] toArray(Object vector) {
    try {
      Method m = vector.getClass().getMethod("toArray");
      return (double[]) m.invoke(vector);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read Spark ML vector " + vector.getClass(), e);
    }
  }
}
