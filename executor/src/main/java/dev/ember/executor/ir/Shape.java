package dev.ember.executor.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tensor shape whose rank may be unknown. A known rank lists one {@link Dim} per axis; an
 * unknown rank (ONNX value infos without a shape) is {@link #unknownRank()}.
 */
public record Shape(List<Dim> dims, boolean rankKnown) {
  private static final Shape UNKNOWN = new Shape(List.of(), false);

  public Shape {
    dims = List.copyOf(dims);
    if (!rankKnown && !dims.isEmpty()) {
      throw new IllegalArgumentException("a shape of unknown rank cannot list dimensions");
    }
  }

  public static Shape of(List<Dim> dims) {
    return new Shape(dims, true);
  }

  public static Shape of(long... sizes) {
    List<Dim> d = new ArrayList<>(sizes.length);
    for (long s : sizes) {
      d.add(Dim.fixed(s));
    }
    return new Shape(d, true);
  }

  public static Shape of(int[] sizes) {
    List<Dim> d = new ArrayList<>(sizes.length);
    for (int s : sizes) {
      d.add(Dim.fixed(s));
    }
    return new Shape(d, true);
  }

  public static Shape unknownRank() {
    return UNKNOWN;
  }

  public int rank() {
    if (!rankKnown) {
      throw new IllegalStateException("shape has unknown rank");
    }
    return dims.size();
  }

  public Dim dim(int axis) {
    return dims.get(axis);
  }

  /** True when the rank and every dimension are known numbers. */
  public boolean isStatic() {
    return rankKnown && dims.stream().allMatch(Dim::isFixed);
  }

  /** The sizes of a static shape. */
  public int[] toIntArray() {
    if (!isStatic()) {
      throw new IllegalStateException("shape " + this + " is not static");
    }
    int[] out = new int[dims.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.toIntExact(dims.get(i).size());
    }
    return out;
  }

  /** Replaces symbolic dimensions that {@code bindings} names with their sizes. */
  public Shape bind(Map<String, Long> bindings) {
    if (!rankKnown) {
      return this;
    }
    List<Dim> out = new ArrayList<>(dims.size());
    for (Dim d : dims) {
      if (d instanceof Dim.Symbolic s && bindings.containsKey(s.name())) {
        out.add(Dim.fixed(bindings.get(s.name())));
      } else {
        out.add(d);
      }
    }
    return Shape.of(out);
  }

  @Override
  public String toString() {
    return rankKnown ? dims.toString() : "[?]";
  }
}
