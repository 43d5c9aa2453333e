package dev.ember.executor.ir;

import java.util.Objects;

/** A named, typed value at a graph boundary (input or output). */
public record ValueInfo(String name, TensorType type) {
  public ValueInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
