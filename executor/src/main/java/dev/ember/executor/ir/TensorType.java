package dev.ember.executor.ir;

import java.util.Objects;

/** Element type plus shape of a value in the graph. */
public record TensorType(DType dtype, Shape shape) {
  public TensorType {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
  }

  public static TensorType of(DType dtype, long... sizes) {
    return new TensorType(dtype, Shape.of(sizes));
  }

  @Override
  public String toString() {
    return dtype.onnxLowerName() + shape;
  }
}
