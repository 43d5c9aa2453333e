package dev.ember.spark.conf;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Second stage of declaring a {@link ConfEntry}: the type is fixed; add at most one {@link #check}
 * and create the entry, which registers it. Not thread-safe; used from static initializers.
 *
 * @param <T> the type of the parsed value
 */
public final class TypedConfBuilder<T> {
  private final ConfBuilder base;
  private final Function<String, T> parser;
  private final Function<? super T, String> printer;
  private String allowed;
  private Predicate<? super T> validator = v -> true;
  private boolean checked;

  TypedConfBuilder(
      ConfBuilder base,
      String allowed,
      Function<String, T> parser,
      Function<? super T, String> printer) {
    this.base = base;
    this.allowed = allowed;
    this.parser = parser;
    this.printer = printer;
  }

  /**
   * Restricts the values a parsed setting may take. {@code allowed} describes every accepted value,
   * type included, as a noun phrase ({@code "an integer in [1, 512]"}); it replaces the type's own
   * description in errors and docs, which read "KEY must be ALLOWED, but was 'RAW'".
   *
   * @throws IllegalStateException if the entry already has a check
   */
  public TypedConfBuilder<T> check(Predicate<? super T> predicate, String allowed) {
    if (checked) {
      throw new IllegalStateException(
          base.key + " already has a check; combine the conditions into one");
    }
    this.validator = Objects.requireNonNull(predicate, "predicate");
    this.allowed = Objects.requireNonNull(allowed, "allowed");
    this.checked = true;
    return this;
  }

  /**
   * Creates and registers the entry with a default value.
   *
   * @throws IllegalStateException if doc or since is missing, the key is taken or not under {@code
   *     spark.ember.}, or the default is not an allowed value
   */
  public ConfEntry<T> createWithDefault(T defaultValue) {
    Objects.requireNonNull(defaultValue, base.key + ": default");
    // The docs print the default as a string; it must read back as the same, allowed value.
    T roundTrip;
    try {
      roundTrip = parser.apply(printer.apply(defaultValue));
    } catch (IllegalArgumentException e) {
      roundTrip = null;
    }
    if (!defaultValue.equals(roundTrip) || !validator.test(defaultValue)) {
      throw new IllegalStateException(
          base.key + ": default '" + printer.apply(defaultValue) + "' is not " + allowed);
    }
    return register(parser, validator, printer, defaultValue);
  }

  /**
   * Creates and registers an entry without a default: its value is {@code Optional.empty()} unless
   * the key is set.
   *
   * @throws IllegalStateException if doc or since is missing, or the key is taken or not under
   *     {@code spark.ember.}
   */
  public ConfEntry<Optional<T>> createOptional() {
    Function<String, T> inner = parser;
    Predicate<? super T> check = validator;
    Function<? super T, String> print = printer;
    return register(
        s -> Optional.of(inner.apply(s)),
        o -> o.isEmpty() || check.test(o.get()),
        o -> o.isPresent() ? print.apply(o.get()) : "(none)",
        Optional.empty());
  }

  private <V> ConfEntry<V> register(
      Function<String, V> parse,
      Predicate<? super V> validate,
      Function<? super V, String> print,
      V defaultValue) {
    if (base.doc == null || base.doc.isBlank()) {
      throw new IllegalStateException(base.key + " has no doc(...)");
    }
    if (base.since == null || base.since.isBlank()) {
      throw new IllegalStateException(base.key + " has no since(...)");
    }
    ConfEntry<V> entry =
        new ConfEntry<>(
            base.key,
            base.doc,
            base.since,
            base.startupOnly,
            base.internal,
            allowed,
            parse,
            validate,
            print,
            defaultValue);
    base.registry.register(entry);
    return entry;
  }
}
