package dev.ember.udfs.predict;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.predict.Port;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The columns that feed one graph input, and how a row's values become that input's row tensor:
 * several numeric columns stacked into a vector, or one array (nested arrays flattened) or ML
 * vector column holding the row's elements. Checked on the driver ({@link Bindings}); this side
 * runs in tasks.
 */
public final class InputBinding implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int slot;
  private final String input;
  private final DType dtype;
  private final int[] rowDims;
  private final String[] columns;
  private final int[] indices;
  private final boolean stacked;

  InputBinding(int slot, Port port, String[] columns, int[] indices, boolean stacked) {
    this.slot = slot;
    this.input = port.name();
    this.dtype = port.dtype();
    this.rowDims = port.rowDims();
    this.columns = columns.clone();
    this.indices = indices.clone();
    this.stacked = stacked;
  }

  /** The position of the graph input this binding feeds. */
  public int slot() {
    return slot;
  }

  /** The graph input's element type. */
  public DType dtype() {
    return dtype;
  }

  /** The argument (row) positions of the columns that feed the input, in order. */
  public int[] columnIndices() {
    return indices.clone();
  }

  /** True when numeric scalar columns are stacked into the row; false for one array column. */
  public boolean stacked() {
    return stacked;
  }

  /** The row tensor of {@code row}, or null when a bound value is null (the row's outputs are). */
  Tensor tensor(Row row, long rowNumber) {
    Values v = new Values(dtype);
    for (int c = 0; c < indices.length; c++) {
      if (row.isNullAt(indices[c])) {
        return null;
      }
      if (!v.add(row.get(indices[c]))) {
        return null; // a null inside an array
      }
    }
    return Tensor.wrap(dtype, shape(v.size(), rowNumber), v.storage());
  }

  private int[] shape(int n, long rowNumber) {
    if (stacked) {
      return rowDims.length == 0 ? new int[0] : new int[] {n};
    }
    int fixed = 1;
    int seqAxes = 0;
    for (int d : rowDims) {
      if (d == Port.SEQ) {
        seqAxes++;
      } else {
        fixed *= d;
      }
    }
    int len = seqAxes == 0 ? 0 : seqLength(n, fixed, seqAxes);
    int[] shape = rowDims.clone();
    int total = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == Port.SEQ) {
        shape[i] = len;
      }
      total *= shape[i];
    }
    if (len < 0 || total != n) {
      throw Errors.of(ErrorCode.BAD_INPUT, "row " + rowNumber + " of the partition: column '"
          + columns[0] + "' holds " + n + " values, but graph input '" + input + "' takes rows of "
          + describeDims() + (seqAxes == 0 ? " = " + fixed + " values" : ""),
          "give every row of '" + columns[0] + "' " + (seqAxes == 0 ? fixed + " values"
              : "a multiple of " + fixed + " values") + " (for example with a filter or slice)");
    }
    return shape;
  }

  /** The sequence length that makes {@code n} values, or -1 when none does. */
  private static int seqLength(int n, int fixed, int seqAxes) {
    if (seqAxes == 1) {
      return n % fixed == 0 ? n / fixed : -1;
    }
    int len = (int) Math.round(Math.pow((double) n / fixed, 1.0 / seqAxes));
    return Math.pow(len, seqAxes) * fixed == n ? len : -1;
  }

  private String describeDims() {
    return Arrays.toString(Arrays.stream(rowDims).mapToObj(d -> d == Port.SEQ ? "seq"
        : Integer.toString(d)).toArray());
  }

  /** A growing buffer of one storage kind, filled from Spark's external values. */
  private static final class Values {
    private final DType dtype;
    private Object buf;
    private int cap = 16;
    private int n;

    Values(DType dtype) {
      this.dtype = dtype;
      this.buf = newArray(cap);
    }

    /** Appends a scalar, array, list or vector; false on a null element. */
    boolean add(Object value) {
      if (value == null) {
        return false;
      }
      if (MlVectors.isVector(value)) {
        for (double x : MlVectors.toArray(value)) {
          putDouble(x);
        }
        return true;
      }
      if (value instanceof scala.collection.Seq<?> seq) {
        return addAll(scala.collection.JavaConverters.seqAsJavaList(seq));
      }
      if (value instanceof List<?> list) {
        return addAll(list);
      }
      if (value instanceof Object[] arr) {
        return addAll(Arrays.asList(arr));
      }
      if (value instanceof Boolean bool) {
        ensure();
        ((boolean[]) buf)[n++] = bool;
      } else if (value instanceof Double || value instanceof Float) {
        putDouble(((Number) value).doubleValue());
      } else if (dtype.storage() == DType.Storage.LONG) {
        ensure();
        ((long[]) buf)[n++] = dtype.wrap(((Number) value).longValue());
      } else {
        putDouble(((Number) value).longValue());
      }
      return true;
    }

    private boolean addAll(List<?> items) {
      for (Object o : items) {
        if (!add(o)) {
          return false;
        }
      }
      return true;
    }

    private void putDouble(double v) {
      ensure();
      switch (dtype.storage()) {
        case FLOAT -> ((float[]) buf)[n++] = dtype.round((float) v);
        case DOUBLE -> ((double[]) buf)[n++] = v;
        default -> ((long[]) buf)[n++] = dtype.wrap((long) v);
      }
    }

    private void ensure() {
      if (n == cap) {
        cap *= 2;
        Object grown = newArray(cap);
        System.arraycopy(buf, 0, grown, 0, n);
        buf = grown;
      }
    }

    private Object newArray(int size) {
      return switch (dtype.storage()) {
        case FLOAT -> new float[size];
        case DOUBLE -> new double[size];
        case LONG -> new long[size];
        default -> new boolean[size];
      };
    }

    int size() {
      return n;
    }

    Object storage() {
      Object exact = newArray(n);
      System.arraycopy(buf, 0, exact, 0, n);
      return exact;
    }
  }
}
