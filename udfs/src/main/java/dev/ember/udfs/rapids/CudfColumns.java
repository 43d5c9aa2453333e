package dev.ember.udfs.rapids;

import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.DType;
import ai.rapids.cudf.HostColumnVector;
import ai.rapids.cudf.HostColumnVectorCore;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The cudf side of the columnar path: reads argument values out of host copies of cudf columns
 * and builds the result column on the device. Runs in tasks, on the thread RAPIDS calls the UDF
 * from; cudf allocates the result through RMM, which the RAPIDS plugin set up.
 */
final class CudfColumns {
  private CudfColumns() {}

  /** Row {@code r} of {@code col} as a Spark external value (a list for a list row). */
  static Object value(HostColumnVectorCore col, long r) {
    if (col.isNull(r)) {
      return null;
    }
    DType t = col.getType();
    if (t.equals(DType.FLOAT32)) {
      return col.getFloat(r);
    } else if (t.equals(DType.FLOAT64)) {
      return col.getDouble(r);
    } else if (t.equals(DType.INT32)) {
      return col.getInt(r);
    } else if (t.equals(DType.INT64)) {
      return col.getLong(r);
    } else if (t.equals(DType.INT16)) {
      return col.getShort(r);
    } else if (t.equals(DType.INT8)) {
      return col.getByte(r);
    } else if (t.equals(DType.STRING)) {
      return col.getJavaString(r);
    } else if (t.equals(DType.LIST)) {
      HostColumnVectorCore child = col.getChildColumnView(0);
      long end = col.getEndListOffset(r);
      List<Object> out = new ArrayList<>();
      for (long i = col.getStartListOffset(r); i < end; i++) {
        out.add(value(child, i));
      }
      return out;
    }
    throw new IllegalArgumentException("Ember's columnar path cannot read a cudf " + t
        + " column; the planner should have kept this call on the CPU");
  }

  /** The offsets of list column {@code col}: rows + 1 of them. */
  static int[] offsets(HostColumnVectorCore col) {
    int rows = Math.toIntExact(col.getRowCount());
    int[] off = new int[rows + 1];
    for (int r = 0; r < rows; r++) {
      off[r] = Math.toIntExact(col.getStartListOffset(r));
    }
    off[rows] = rows == 0 ? 0 : Math.toIntExact(col.getEndListOffset(rows - 1));
    return off;
  }

  /**
   * A new host column of Spark type {@code type} holding {@code values} (cudf host values, null
   * for a null row). The caller closes it.
   */
  @SuppressWarnings("unchecked")
  static HostColumnVector buildHost(DataType type, Object[] values) {
    HostColumnVector.DataType cudf = typeOf(type);
    if (type instanceof StructType) {
      List<HostColumnVector.StructData> rows = new ArrayList<>(values.length);
      for (Object v : values) {
        rows.add(v == null ? null : new HostColumnVector.StructData((List<Object>) v));
      }
      return HostColumnVector.fromStructs(cudf, rows);
    }
    if (type instanceof ArrayType) {
      List<Object>[] rows = (List<Object>[]) new List<?>[values.length];
      for (int i = 0; i < values.length; i++) {
        rows[i] = (List<Object>) values[i];
      }
      return HostColumnVector.fromLists(cudf, rows);
    }
    throw new IllegalArgumentException("Ember's calls return arrays or structs, not "
        + type.simpleString());
  }

  /** The same column on the device (one copy up; RMM allocates it). The caller closes it. */
  static ColumnVector build(DataType type, Object[] values) {
    try (HostColumnVector host = buildHost(type, values)) {
      return host.copyToDevice();
    }
  }

  /** The cudf type description of Spark type {@code t}. */
  static HostColumnVector.DataType typeOf(DataType t) {
    if (t instanceof ArrayType a) {
      return new HostColumnVector.ListType(true, typeOf(a.elementType()));
    }
    if (t instanceof StructType s) {
      List<HostColumnVector.DataType> fields = new ArrayList<>();
      for (StructField f : s.fields()) {
        fields.add(typeOf(f.dataType()));
      }
      return new HostColumnVector.StructType(true, fields);
    }
    return new HostColumnVector.BasicType(true, basic(t));
  }

  private static DType basic(DataType t) {
    if (t instanceof FloatType) {
      return DType.FLOAT32;
    } else if (t instanceof DoubleType) {
      return DType.FLOAT64;
    } else if (t instanceof IntegerType) {
      return DType.INT32;
    } else if (t instanceof LongType) {
      return DType.INT64;
    } else if (t instanceof BooleanType) {
      return DType.BOOL8;
    } else if (t instanceof StringType) {
      return DType.STRING;
    }
    throw new IllegalArgumentException("no cudf type for " + t.simpleString());
  }
}
