package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import java.util.function.Supplier;

/**
 * Where a {@link CompileWrapper} gets its variants and writes their readable dump: the seam for the
 * compile cache. {@link #none()} compiles every time and keeps nothing; {@link
 * InMemoryVariantStore} keeps artifacts for the life of the process; the disk cache keeps them
 * across executor starts.
 *
 * <p>The wrapper calls {@link #obtain} at most once per variant it creates, then {@link #writeDump}
 * once for that variant. Implementations are thread-safe: one wrapper obtains different keys from
 * several threads at once, and several wrappers may share a store.
 */
public interface VariantStore {
  /**
   * The variant for {@code key}: rebuilt with {@link Backend#load} from artifacts saved earlier, or
   * compiled by {@code compile} and its {@link CompiledVariant#artifacts()} saved. An entry that
   * fails to load is dropped and compiled again; compile errors propagate unchanged.
   *
   * @param graph the optimised graph the variant runs, as given to {@link Backend#compile}
   */
  CompiledVariant obtain(
      VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile);

  /**
   * Writes what a user reads to see what runs (vLLM's {@code transformed_code.py}): the variant's
   * generated source and a dump of its optimised graph ({@link
   * dev.ember.executor.ir.GraphPrinter}). Writing the same key again may be skipped.
   */
  void writeDump(VariantKey key, String source, String graphDump);

  /** Compiles on every {@link #obtain} and writes nothing. */
  static VariantStore none() {
    return new VariantStore() {
      @Override
      public CompiledVariant obtain(
          VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile) {
        return compile.get();
      }

      @Override
      public void writeDump(VariantKey key, String source, String graphDump) {}
    };
  }
}
