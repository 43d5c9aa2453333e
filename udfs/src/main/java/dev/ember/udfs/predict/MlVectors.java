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

  /** Each vector class's {@code toArray}, looked up once rather than per row. */
  private static final ClassValue<Method> TO_ARRAY = new ClassValue<>() {
    @Override
    protected Method computeValue(Class<?> type) {
      try {
        return type.getMethod("toArray");
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("Spark ML vector " + type + " has no toArray()", e);
      }
    }
  };

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
      return (double[]) TO_ARRAY.get(vector.getClass()).invoke(vector);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read Spark ML vector " + vector.getClass(), e);
    }
  }
}
