package dev.ember.spark.conf;

import dev.ember.executor.errors.EmberException;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared configuration key: its name, documentation, since-version, scope, visibility, type
 * and default. Entries are immutable and thread-safe; declare them once, as {@code static final}
 * fields of {@link EmberConf}, through {@link ConfBuilder}, and read values with {@link
 * EmberConf#get(ConfEntry)}:
 *
 * <pre>{@code
 * public static final ConfEntry<Integer> BATCH_SIZE = conf("spark.ember.batchSize")
 *     .doc("Rows per inference batch.").since("0.1.0")
 *     .intConf().check(v -> v >= 1 && v <= 4096, "an integer in [1, 4096]")
 *     .createWithDefault(64);
 * }</pre>
 *
 * <p>An optional entry (built with {@link TypedConfBuilder#createOptional()}) has type {@code
 * Optional<T>} and the default {@code Optional.empty()}.
 *
 * @param <T> the type of the parsed value
 */
public final class ConfEntry<T> {
  private final String key;
  private final String doc;
  private final String since;
  private final boolean startupOnly;
  private final boolean internal;
  private final String allowed;
  private final Function<String, T> parser;
  private final Predicate<? super T> validator;
  private final Function<? super T, String> printer;
  private final T defaultValue;

  ConfEntry(
      String key,
      String doc,
      String since,
      boolean startupOnly,
      boolean internal,
      String allowed,
      Function<String, T> parser,
      Predicate<? super T> validator,
      Function<? super T, String> printer,
      T defaultValue) {
    this.key = Objects.requireNonNull(key, "key");
    this.doc = Objects.requireNonNull(doc, "doc");
    this.since = Objects.requireNonNull(since, "since");
    this.startupOnly = startupOnly;
    this.internal = internal;
    this.allowed = Objects.requireNonNull(allowed, "allowed");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.validator = Objects.requireNonNull(validator, "validator");
    this.printer = Objects.requireNonNull(printer, "printer");
    this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
  }

  /** The full key, for example {@code spark.ember.batchSize}. */
  public String key() {
    return key;
  }

  /** What the key does, as written in {@code docs/configuration.md}. */
  public String doc() {
    return doc;
  }

  /** The Ember version that introduced the key, for example {@code 0.1.0}. */
  public String since() {
    return since;
  }

  /**
   * Whether the key is read only when the application (driver and executors) starts. A running
   * session cannot change it; see {@link EmberConf#withSessionConf(java.util.Map)}.
   */
  public boolean isStartupOnly() {
    return startupOnly;
  }

  /** Whether the key is for Ember's developers and tests, and left out of the user docs. */
  public boolean isInternal() {
    return internal;
  }

  /** What values are allowed, as a noun phrase: {@code "an integer in [1, 512]"}. */
  public String allowed() {
    return allowed;
  }

  /** The value used when the key is not set. */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as a user would write it ({@code "1,8,32"}), or {@code "(none)"}. */
  public String defaultString() {
    return valueString(defaultValue);
  }

  /** A parsed value as a user would write it; {@code "(none)"} for an empty optional. */
  public String valueString(T value) {
    return printer.apply(value);
  }

  /**
   * Parses and validates a raw string value.
   *
   * @throws EmberException naming the key, the value and what is allowed, if {@code raw} does not
   *     parse or is not allowed
   */
  public T parse(String raw) {
    Objects.requireNonNull(raw, "raw");
    T value;
    try {
      value = parser.apply(raw);
    } catch (IllegalArgumentException e) { // NumberFormatException included
      throw ConfErrors.invalidValue(key, raw, allowed);
    }
    if (!validator.test(value)) {
      throw ConfErrors.invalidValue(key, raw, allowed);
    }
    return value;
  }

  /** Returns the key. */
  @Override
  public String toString() {
    return key;
  }
}
