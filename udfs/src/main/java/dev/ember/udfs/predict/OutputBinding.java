package dev.ember.udfs.predict;

import dev.ember.executor.ir.Tensor;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * One output column: a graph output's row as a scalar, array or nested array column, or the index
 * of its largest value (a classifier's label). Checked on the driver ({@link Bindings}); this side
 * runs in tasks.
 */
public final class OutputBinding implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int output;
  private final String column;
  private final DataType type;
  private final boolean argmax;

  private OutputBinding(int output, String column, DataType type, boolean argmax) {
    this.output = output;
    this.column = column;
    this.type = type;
    this.argmax = argmax;
  }

  /** The output's rows as they are; {@code rowRank} array levels around its element type. */
  static OutputBinding values(int output, String column, DataType element, int rowRank) {
    DataType t = element;
    for (int i = 0; i < rowRank; i++) {
      t = DataTypes.createArrayType(t, false);
    }
    return new OutputBinding(output, column, t, false);
  }

  /** The index of the largest value of a vector output (the first on ties). */
  static OutputBinding argmax(int output, String column) {
    return new OutputBinding(output, column, DataTypes.IntegerType, true);
  }

  /** The position of the graph output this column reads. */
  public int output() {
    return output;
  }

  /** True for a column holding the index of the output row's largest value. */
  public boolean argmax() {
    return argmax;
  }

  public String column() {
    return column;
  }

  public DataType type() {
    return type;
  }

  /** The column's value for one row's outputs (null for a null row). */
  Object value(Tensor[] outputs) {
    if (outputs == null) {
      return null;
    }
    Tensor t = outputs[output];
    if (argmax) {
      int best = 0;
      for (int i = 1; i < t.size(); i++) {
        if (t.getDouble(i) > t.getDouble(best)) {
          best = i;
        }
      }
      return best;
    }
    return nested(t, 0, 0, type);
  }

  /** The block of {@code t} at {@code offset} below {@code axis}, as Spark's external value. */
  private static Object nested(Tensor t, int axis, int offset, DataType type) {
    int[] shape = t.shape();
    if (axis == shape.length) {
      return scalar(t, offset, type);
    }
    int stride = 1;
    for (int i = axis + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    DataType element = ((org.apache.spark.sql.types.ArrayType) type).elementType();
    if (axis == shape.length - 1) {
      return leaf(t, offset, shape[axis], element);
    }
    Object[] out = new Object[shape[axis]];
    for (int i = 0; i < out.length; i++) {
      out[i] = nested(t, axis + 1, offset + i * stride, element);
    }
    return out;
  }

  /** The innermost array, as the primitive array Spark reads fastest. */
  private static Object leaf(Tensor t, int from, int n, DataType element) {
    Object data = t.rawData();
    if (element.equals(DataTypes.FloatType)) {
      return Arrays.copyOfRange((float[]) data, from, from + n);
    }
    if (element.equals(DataTypes.DoubleType)) {
      return Arrays.copyOfRange((double[]) data, from, from + n);
    }
    if (element.equals(DataTypes.LongType)) {
      return Arrays.copyOfRange((long[]) data, from, from + n);
    }
    if (element.equals(DataTypes.IntegerType)) {
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = (int) ((long[]) data)[from + i];
      }
      return out;
    }
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = scalar(t, from + i, element);
    }
    return out;
  }

  private static Object scalar(Tensor t, int i, DataType type) {
    Object data = t.rawData();
    if (type.equals(DataTypes.FloatType)) {
      return ((float[]) data)[i];
    }
    if (type.equals(DataTypes.DoubleType)) {
      return ((double[]) data)[i];
    }
    if (type.equals(DataTypes.IntegerType)) {
      return (int) ((long[]) data)[i];
    }
    if (type.equals(DataTypes.LongType)) {
      return ((long[]) data)[i];
    }
    if (type.equals(DataTypes.BooleanType)) {
      return ((boolean[]) data)[i];
    }
    return ((String[]) data)[i];
  }
}
