package dev.ember.executor.ir;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** A node's attributes, sorted by name so that iteration is deterministic. */
public final class Attributes {
  private static final Attributes EMPTY = new Attributes(new TreeMap<>());
  private final SortedMap<String, AttrValue> values;

  private Attributes(SortedMap<String, AttrValue> values) {
    this.values = Collections.unmodifiableSortedMap(values);
  }

  public static Attributes of(Map<String, AttrValue> values) {
    return values.isEmpty() ? EMPTY : new Attributes(new TreeMap<>(values));
  }

  public static Attributes empty() {
    return EMPTY;
  }

  public SortedMap<String, AttrValue> asMap() {
    return values;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public Optional<AttrValue> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  public long getInt(String name, long defaultValue) {
    AttrValue v = values.get(name);
    return v == null ? defaultValue : as(name, v, AttrValue.IntAttr.class).value();
  }

  public float getFloat(String name, float defaultValue) {
    AttrValue v = values.get(name);
    return v == null ? defaultValue : as(name, v, AttrValue.FloatAttr.class).value();
  }

  public String getString(String name, String defaultValue) {
    AttrValue v = values.get(name);
    return v == null ? defaultValue : as(name, v, AttrValue.StringAttr.class).value();
  }

  /** The INTS attribute {@code name}, or null when absent. */
  public long[] getInts(String name) {
    AttrValue v = values.get(name);
    return v == null ? null : as(name, v, AttrValue.IntsAttr.class).toArray();
  }

  /** The TENSOR attribute {@code name}, or null when absent. */
  public Tensor getTensor(String name) {
    AttrValue v = values.get(name);
    return v == null ? null : as(name, v, AttrValue.TensorAttr.class).value();
  }

  private static <T extends AttrValue> T as(String name, AttrValue v, Class<T> kind) {
    if (!kind.isInstance(v)) {
      String want = kind.getSimpleName().replace("Attr", "").toUpperCase();
      throw Errors.of(
          ErrorCode.BAD_ATTRIBUTE,
          "attribute '" + name + "' is of kind " + v.kind() + ", expected " + want,
          "re-export the model with a valid '" + name + "' attribute");
    }
    return kind.cast(v);
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
