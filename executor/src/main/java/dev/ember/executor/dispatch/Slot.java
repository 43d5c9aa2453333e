package dev.ember.executor.dispatch;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * One planned variant of a wrapper: its index, key and graph recipe, compiled on first use. The
 * compiled variant is published through a volatile field, so a dispatch is one volatile read;
 * compiling happens under the slot's lock, exactly once even when threads race, and a failure is
 * kept and reported again rather than retried on every call.
 */
final class Slot {
  final int index;
  final String label;
  final VariantKey key;

  /** Level-1 guard; null for slots picked by index (levels 0, 2, 3). */
  final ShapeGuard guard;

  /**
   * True for a general variant that only serves shapes off the static ones (levels 1 and 3): when
   * the backend cannot compile it, it runs on the interpreter rather than failing.
   */
  final boolean mayFallBack;

  final LongAdder dispatches = new LongAdder();
  private final Supplier<Graph> graph;
  private volatile CompiledVariant variant;
  private volatile long compileNanos;
  private RuntimeException failure; // guarded by this

  Slot(
      int index,
      String label,
      VariantKey key,
      ShapeGuard guard,
      boolean mayFallBack,
      Supplier<Graph> graph) {
    this.index = index;
    this.label = label;
    this.key = key;
    this.guard = guard;
    this.mayFallBack = mayFallBack;
    this.graph = graph;
  }

  /** The compiled variant, compiling it through {@code compiler} on first use. */
  CompiledVariant variant(VariantCompiler compiler) {
    CompiledVariant v = variant;
    return v != null ? v : compileOnce(compiler);
  }

  /** The variant if compiled, else null; compiles nothing. */
  CompiledVariant compiledOrNull() {
    return variant;
  }

  long compileNanos() {
    return compileNanos;
  }

  Graph graph() {
    return graph.get();
  }

  private synchronized CompiledVariant compileOnce(VariantCompiler compiler) {
    if (variant != null) {
      return variant;
    }
    if (failure != null) {
      throw failedBefore();
    }
    VariantEvent e;
    try {
      e = compiler.compile(this);
    } catch (RuntimeException ex) {
      failure = ex;
      throw ex;
    }
    compileNanos = e.compileNanos();
    variant = e.variant();
    compiler.announce(e); // under the lock, so the listener sees each variant exactly once
    return e.variant();
  }

  private EmberException failedBefore() {
    ErrorCode code = failure instanceof EmberException ee ? ee.code() : ErrorCode.KERNEL_FAILED;
    return Errors.of(
        code,
        "variant #" + index + " (" + label + ") failed to compile earlier: " + failure.getMessage(),
        "see the first error for this variant; fix its cause and build the wrapper again",
        failure);
  }
}
