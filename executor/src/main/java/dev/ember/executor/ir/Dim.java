package dev.ember.executor.ir;

import java.util.Objects;

/** One tensor dimension: a fixed size, or a named symbol such as {@code batch} or {@code seq}. */
public sealed interface Dim permits Dim.Fixed, Dim.Symbolic {

  static Dim fixed(long size) {
    return new Fixed(size);
  }

  static Dim symbolic(String name) {
    return new Symbolic(name);
  }

  default boolean isFixed() {
    return this instanceof Fixed;
  }

  /** The size of a fixed dimension; throws for a symbolic one. */
  default long size() {
    if (this instanceof Fixed f) {
      return f.value();
    }
    throw new IllegalStateException("dimension '" + this + "' is symbolic, it has no size");
  }

  /** A known, non-negative size. */
  record Fixed(long value) implements Dim {
    public Fixed {
      if (value < 0) {
        throw new IllegalArgumentException("a fixed dimension must be >= 0, was " + value);
      }
    }

    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  /** A size known only at run time, named so that equal names mean equal sizes. */
  record Symbolic(String name) implements Dim {
    public Symbolic {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a symbolic dimension needs a name");
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
