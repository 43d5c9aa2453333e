package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link Slot} into a running variant: specialise its graph, obtain the variant from the
 * store (which compiles on a miss), refuse buffer mutation when capturing, write the readable dump,
 * and tell the listener. Thread-safe; {@link Slot} makes sure each slot comes here once.
 */
final class VariantCompiler {
  private static final Logger LOG = LoggerFactory.getLogger(VariantCompiler.class);

  private final String owner;
  private final Backend backend;
  private final Backend fallback;
  private final VariantStore store;
  private final CompileListener listener;
  private final boolean refuseMutation;
  private final Counters counters;
  // Set by the wrapper under spark.ember.backend=auto before any compile; null: no ORT fallback.
  private java.util.function.Supplier<Backend> ortFallback;

  VariantCompiler(
      String owner,
      Backend backend,
      Backend fallback,
      VariantStore store,
      CompileListener listener,
      boolean refuseMutation,
      Counters counters) {
    this.owner = owner;
    this.backend = backend;
    this.fallback = fallback;
    this.store = store;
    this.listener = listener;
    this.refuseMutation = refuseMutation;
    this.counters = counters;
  }

  String backendName() {
    return backend.name();
  }

  /**
   * Under {@code spark.ember.backend=auto}: a variant whose op the backend refuses (UNSUPPORTED_OP
   * at compile, e.g. an op the CUDA code generator lacks) runs on ONNX Runtime, which {@code ort}
   * opens once, on first need.
   */
  void fallBackToOrt(java.util.function.Supplier<Backend> ort) {
    this.ortFallback = ort;
  }

  VariantEvent compile(Slot slot) {
    long t0 = System.nanoTime();
    Graph g = slot.graph();
    CompiledVariant v;
    try {
      v = store.obtain(slot.key, g, backend, () -> backend.compile(g, slot.key));
    } catch (EmberException e) {
      if (!slot.mayFallBack && ortFallback != null && e.code() == ErrorCode.UNSUPPORTED_OP) {
        v = onOrt(slot, g, e);
      } else if (!slot.mayFallBack || backend.name().equals(fallback.name())) {
        throw e;
      } else {
        v = fallbackVariant(slot, g, e);
      }
    }
    if (refuseMutation) {
      BufferMutationCheck.refuse(
          v.source(),
          "compile level 3 of '" + owner + "', variant #" + slot.index + " (" + slot.label + ")");
    }
    long nanos = System.nanoTime() - t0;
    try {
      store.writeDump(v.key(), v.source(), GraphPrinter.print(g));
    } catch (RuntimeException e) {
      // The dump is for people; a full disk must not take the variant away.
      LOG.warn("Could not write the source dump of variant #{} of '{}'", slot.index, owner, e);
    }
    counters.compiled(nanos);
    LOG.info(
        // "ready", not "compiled": the store may have loaded it from the compile cache.
        "Variant #{} of '{}' ready: {} ({}) in {} ms ({} chars of source)",
        slot.index,
        owner,
        v.key().backend(),
        slot.label,
        nanos / 1_000_000,
        v.source().length());
    if (LOG.isDebugEnabled()) {
      LOG.debug("Source of variant #{} of '{}':\n{}", slot.index, owner, v.source());
    }
    return new VariantEvent(slot.index, slot.label, v, g, nanos);
  }

  /** Tells the listener; its failures are logged, never thrown into inference. */
  void announce(VariantEvent e) {
    try {
      listener.onVariant(e);
    } catch (RuntimeException ex) {
      LOG.warn("CompileListener failed on variant #{} of '{}'", e.index(), owner, ex);
    }
  }

  /** Logs at WARN and tells the listener. */
  void warn(String message) {
    LOG.warn(message);
    counters.warnings.increment();
    try {
      listener.onWarning(message);
    } catch (RuntimeException ex) {
      LOG.warn("CompileListener failed on a warning of '{}'", owner, ex);
    }
  }

  private CompiledVariant onOrt(Slot slot, Graph g, EmberException cause) {
    Backend ort = ortFallback.get();
    LOG.info("Backend {} refuses variant #{} ({}) of '{}', which runs on ONNX Runtime"
        + " (spark.ember.backend=auto): {}", backend.name(), slot.index, slot.label, owner,
        cause.getMessage());
    VariantKey k =
        new VariantKey(slot.key.graphHash(), ort.name(), slot.key.inputShapes(),
            slot.key.options());
    return store.obtain(k, g, ort, () -> ort.compile(g, k));
  }

  /**
   * A backend that cannot take symbolic dims says so with an error; the general variant, needed
   * only for shapes outside the static ones, then runs on the fallback backend (the interpreter
   * unless the builder says otherwise) instead of failing.
   */
  private CompiledVariant fallbackVariant(Slot slot, Graph g, EmberException cause) {
    warn(
        "Backend "
            + backend.name()
            + " cannot compile the general variant of '"
            + owner
            + "' ("
            + cause.getMessage()
            + "); shapes outside the static variants run on the reference backend '"
            + fallback.name()
            + "'");
    VariantKey k =
        new VariantKey(
            slot.key.graphHash(), fallback.name(), slot.key.inputShapes(), slot.key.options());
    return fallback.compile(g, k);
  }
}
