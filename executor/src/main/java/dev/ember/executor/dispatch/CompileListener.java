package dev.ember.executor.dispatch;

/**
 * Hook a {@link CompileWrapper} calls once for every new variant (vLLM's bytecode hook): use it for
 * logs, metrics and tools that read the generated source. Called on the thread that compiled the
 * variant, after the variant is published; several variants may be announced from several threads
 * at once, so implementations must be thread-safe. An exception thrown here is logged and otherwise
 * ignored: a listener never breaks inference.
 *
 * <pre>{@code
 * CompileListener l = e -> metrics.compileTime.update(e.compileNanos());
 * }</pre>
 */
@FunctionalInterface
public interface CompileListener {
  /** A variant was compiled (or loaded from the store) and can now run. */
  void onVariant(VariantEvent event);

  /**
   * Something a user should look at, also logged at WARN: recompiles past {@code maxVariants}, a
   * general variant falling back to the interpreter.
   */
  default void onWarning(String message) {}

  /** A listener that does nothing. */
  static CompileListener none() {
    return e -> {};
  }
}
