package dev.ember.executor.ir;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major tensor value: element type, static shape and one Java array of elements
 * (see {@link DType.Storage}). Tensors are immutable by contract: the {@code raw*} accessors
 * return the shared backing array for speed, and callers must not write to it.
 */
public final class Tensor {
  private final DType dtype;
  private final int[] shape;
  private final Object data;

  private Tensor(DType dtype, int[] shape, Object data) {
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    this.data = data;
    long n = Shapes.numel(this.shape);
    if (n != Shapes.length(data)) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " elements but "
              + Shapes.length(data) + " were given");
    }
  }

  /** FLOAT, FLOAT16 or BFLOAT16 elements; narrower types are rounded in place. */
  public static Tensor ofFloats(DType dtype, int[] shape, float[] data) {
    if (dtype.storage() != DType.Storage.FLOAT) {
      throw new IllegalArgumentException(dtype + " is not held as float");
    }
    if (dtype != DType.FLOAT) {
      for (int i = 0; i < data.length; i++) {
        data[i] = dtype.round(data[i]);
      }
    }
    return new Tensor(dtype, shape, data);
  }

  public static Tensor ofFloats(int[] shape, float[] data) {
    return ofFloats(DType.FLOAT, shape, data);
  }

  public static Tensor ofDoubles(int[] shape, double[] data) {
    return new Tensor(DType.DOUBLE, shape, data);
  }

  /** Integer elements of any width; values are wrapped to the type's width in place. */
  public static Tensor ofLongs(DType dtype, int[] shape, long[] data) {
    if (dtype.storage() != DType.Storage.LONG) {
      throw new IllegalArgumentException(dtype + " is not held as long");
    }
    if (dtype != DType.INT64 && dtype != DType.UINT64) {
      for (int i = 0; i < data.length; i++) {
        data[i] = dtype.wrap(data[i]);
      }
    }
    return new Tensor(dtype, shape, data);
  }

  public static Tensor ofBools(int[] shape, boolean[] data) {
    return new Tensor(DType.BOOL, shape, data);
  }

  public static Tensor ofStrings(int[] shape, String[] data) {
    return new Tensor(DType.STRING, shape, data);
  }

  /** A 1-D INT64 tensor, the form ONNX uses for shapes, axes and indices. */
  public static Tensor int64Vector(long... values) {
    return new Tensor(DType.INT64, new int[] {values.length}, values.clone());
  }

  public static Tensor scalarFloat(float v) {
    return new Tensor(DType.FLOAT, new int[0], new float[] {v});
  }

  /** A tensor of the given type and shape with every element zero (false, ""). */
  public static Tensor zeros(DType dtype, int[] shape) {
    int n = Math.toIntExact(Shapes.numel(shape));
    switch (dtype.storage()) {
      case FLOAT:
        return new Tensor(dtype, shape, new float[n]);
      case DOUBLE:
        return new Tensor(dtype, shape, new double[n]);
      case LONG:
        return new Tensor(dtype, shape, new long[n]);
      case BOOL:
        return new Tensor(dtype, shape, new boolean[n]);
      default:
        String[] s = new String[n];
        Arrays.fill(s, "");
        return new Tensor(dtype, shape, s);
    }
  }

  /** Wraps an array of the type's storage kind without copying (the array is now owned). */
  public static Tensor wrap(DType dtype, int[] shape, Object storage) {
    return new Tensor(dtype, shape, storage);
  }

  public DType dtype() {
    return dtype;
  }

  public int rank() {
    return shape.length;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public int size() {
    return Shapes.length(data);
  }

  public TensorType type() {
    return new TensorType(dtype, Shape.of(shape));
  }

  /** The same elements viewed with another shape of equal element count. */
  public Tensor reshape(int[] newShape) {
    return new Tensor(dtype, newShape, data);
  }

  public float[] rawFloats() {
    return (float[]) data;
  }

  public double[] rawDoubles() {
    return (double[]) data;
  }

  public long[] rawLongs() {
    return (long[]) data;
  }

  public boolean[] rawBools() {
    return (boolean[]) data;
  }

  public String[] rawStrings() {
    return (String[]) data;
  }

  /** The backing array, whatever its kind. */
  public Object rawData() {
    return data;
  }

  /** Element {@code i} (row-major) as a double; bools are 0/1, UINT64 is read unsigned. */
  public double getDouble(int i) {
    switch (dtype.storage()) {
      case FLOAT:
        return ((float[]) data)[i];
      case DOUBLE:
        return ((double[]) data)[i];
      case LONG:
        long v = ((long[]) data)[i];
        if (dtype == DType.UINT64 && v < 0) {
          return (double) (v >>> 1) * 2.0 + (v & 1);
        }
        return v;
      case BOOL:
        return ((boolean[]) data)[i] ? 1 : 0;
      default:
        throw new IllegalStateException("a STRING tensor has no numeric value");
    }
  }

  /** Element {@code i} as a long (floats truncate toward zero). */
  public long getLong(int i) {
    switch (dtype.storage()) {
      case LONG:
        return ((long[]) data)[i];
      case FLOAT:
        return (long) ((float[]) data)[i];
      case DOUBLE:
        return (long) ((double[]) data)[i];
      case BOOL:
        return ((boolean[]) data)[i] ? 1 : 0;
      default:
        throw new IllegalStateException("a STRING tensor has no numeric value");
    }
  }

  /** All elements as longs: the usual way to read a shape, axes or index tensor. */
  public long[] toLongArray() {
    long[] out = new long[size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = getLong(i);
    }
    return out;
  }

  @Override
  public String toString() {
    return "Tensor(" + dtype.onnxLowerName() + Arrays.toString(shape) + ")";
  }
}
