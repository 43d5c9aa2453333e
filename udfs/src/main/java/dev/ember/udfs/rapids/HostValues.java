package dev.ember.udfs.rapids;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Turns a call's results (Spark external values: {@code float[]} and other primitive arrays,
 * {@code Object[]} of nested arrays, {@link Row} for a struct, boxed scalars) into the host values
 * cudf builds device columns from: {@link List} for a list row, a list of field values for a
 * struct row, boxed scalars, null for null. Pure Java, so it is tested without cudf.
 */
public final class HostValues {
  private HostValues() {}

  /**
   * The cudf host value of {@code value}, a value of Spark type {@code type}.
   *
   * @throws IllegalArgumentException for a value that is not of that type
   */
  public static Object of(DataType type, Object value) {
    if (value == null) {
      return null;
    }
    if (type instanceof ArrayType a) {
      return list(a.elementType(), value);
    }
    if (type instanceof StructType s) {
      if (!(value instanceof Row row) || row.length() != s.size()) {
        throw new IllegalArgumentException("expected a row of " + s.simpleString() + ", got "
            + value);
      }
      List<Object> fields = new ArrayList<>(s.size());
      for (int i = 0; i < s.size(); i++) {
        fields.add(of(s.fields()[i].dataType(), row.get(i)));
      }
      return fields;
    }
    return value;
  }

  private static List<Object> list(DataType element, Object value) {
    if (value instanceof scala.collection.Seq<?> seq) {
      value = scala.collection.JavaConverters.seqAsJavaList(seq);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(of(element, o));
      }
      return out;
    }
    if (value.getClass().isArray()) {
      int n = Array.getLength(value);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(of(element, Array.get(value, i))); // boxes primitive elements
      }
      return out;
    }
    throw new IllegalArgumentException("expected an array of " + element.simpleString()
        + ", got " + value.getClass().getName() + " " + Arrays.asList(value));
  }
}
