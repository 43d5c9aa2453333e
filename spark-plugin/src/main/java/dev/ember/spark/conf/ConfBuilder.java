package dev.ember.spark.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * First stage of declaring a {@link ConfEntry}: the key's documentation, version, scope and
 * visibility. Pick a type next ({@link #intConf()}, {@link #choiceConf(String...)}, ...), then
 * optionally {@link TypedConfBuilder#check} and finally create the entry:
 *
 * <pre>{@code
 * conf("spark.ember.text.maxLength").doc("...").since("0.1.0").startupOnly()
 *     .intConf().check(v -> v >= 1 && v <= 512, "an integer in [1, 512]")
 *     .createWithDefault(256);
 * }</pre>
 *
 * <p>Builders are used from static initializers only and are not thread-safe.
 */
public final class ConfBuilder {
  final ConfRegistry registry;
  final String key;
  String doc;
  String since;
  boolean startupOnly;
  boolean internal;

  ConfBuilder(ConfRegistry registry, String key) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.key = Objects.requireNonNull(key, "key");
  }

  /** What the key does, for users; required. Markdown is allowed, it lands in the docs table. */
  public ConfBuilder doc(String doc) {
    this.doc = doc;
    return this;
  }

  /** The Ember version that introduces the key, for example {@code "0.1.0"}; required. */
  public ConfBuilder since(String version) {
    this.since = version;
    return this;
  }

  /**
   * Marks the key as read once, when the driver and executors start; a running session cannot
   * change it. Keys are runtime keys otherwise.
   */
  public ConfBuilder startupOnly() {
    this.startupOnly = true;
    return this;
  }

  /** Marks the key as internal: for developers and tests, left out of the generated docs. */
  public ConfBuilder internal() {
    this.internal = true;
    return this;
  }

  /** A boolean: {@code true} or {@code false}, case-insensitive. */
  public TypedConfBuilder<Boolean> booleanConf() {
    return new TypedConfBuilder<>(
        this, "true or false", ConfBuilder::parseBoolean, String::valueOf);
  }

  /** A 32-bit signed integer. */
  public TypedConfBuilder<Integer> intConf() {
    return new TypedConfBuilder<>(
        this, "an integer", s -> Integer.parseInt(s.trim()), String::valueOf);
  }

  /** A 64-bit signed integer. */
  public TypedConfBuilder<Long> longConf() {
    return new TypedConfBuilder<>(
        this, "an integer", s -> Long.parseLong(s.trim()), String::valueOf);
  }

  /**
   * A size in bytes, written as Spark writes sizes: a whole number with an optional unit {@code
   * b}, {@code k}, {@code m}, {@code g} or {@code t} (powers of 1024; {@code kb}, {@code mb}, ...
   * too, case-insensitive), so {@code 4g} is 4,294,967,296 bytes and a bare number is bytes.
   */
  public TypedConfBuilder<Long> bytesConf() {
    return new TypedConfBuilder<>(
        this, "a size such as 512m or 4g", ByteSizes::parse, ByteSizes::format);
  }

  /** A finite floating-point number. */
  public TypedConfBuilder<Double> doubleConf() {
    return new TypedConfBuilder<>(this, "a number", ConfBuilder::parseDouble, String::valueOf);
  }

  /** Any string, taken as written (not trimmed). */
  public TypedConfBuilder<String> stringConf() {
    return new TypedConfBuilder<>(this, "a string", Function.identity(), Function.identity());
  }

  /**
   * One of a fixed set of strings, matched case-insensitively; the parsed value is the choice as
   * declared here, so {@code "CUDA"} reads as {@code "cuda"}.
   */
  public TypedConfBuilder<String> choiceConf(String... choices) {
    List<String> options = List.of(choices);
    if (options.isEmpty()) {
      throw new IllegalArgumentException(key + ": choiceConf needs at least one choice");
    }
    String allowed = "one of " + String.join(", ", options) + " (case-insensitive)";
    Function<String, String> parser =
        s -> {
          for (String option : options) {
            if (option.equalsIgnoreCase(s.trim())) {
              return option;
            }
          }
          throw new IllegalArgumentException("not one of " + options);
        };
    return new TypedConfBuilder<>(this, allowed, parser, Function.identity());
  }

  /**
   * A comma-separated list of integers ({@code "1, 8,32"}); spaces around items are ignored, an
   * empty string is the empty list, and an empty item ({@code "1,,2"}) is an error.
   */
  public TypedConfBuilder<List<Integer>> intListConf() {
    return new TypedConfBuilder<>(
        this,
        "a comma-separated list of integers",
        s -> List.copyOf(splitList(s, item -> Integer.parseInt(item))),
        ConfBuilder::joinList);
  }

  /**
   * A comma-separated list of strings; items are trimmed, an empty string is the empty list, and an
   * empty item ({@code "a,,b"}) is an error.
   */
  public TypedConfBuilder<List<String>> stringListConf() {
    return new TypedConfBuilder<>(
        this,
        "a comma-separated list of strings",
        s -> List.copyOf(splitList(s, Function.identity())),
        ConfBuilder::joinList);
  }

  private static Boolean parseBoolean(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("not a boolean");
  }

  private static Double parseDouble(String s) {
    double v = Double.parseDouble(s.trim());
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("not finite");
    }
    return v;
  }

  private static <E> List<E> splitList(String s, Function<String, E> parseItem) {
    if (s.trim().isEmpty()) {
      return List.of();
    }
    List<E> items = new ArrayList<>();
    for (String item : Arrays.asList(s.split(",", -1))) {
      String trimmed = item.trim();
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException("empty list item");
      }
      items.add(parseItem.apply(trimmed));
    }
    return items;
  }

  private static String joinList(List<?> items) {
    StringBuilder sb = new StringBuilder();
    for (Object item : items) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(item);
    }
    return sb.toString();
  }
}
