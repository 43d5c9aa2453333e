package dev.ember.executor.dispatch;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;

/**
 * One new variant of a {@link CompileWrapper}, as told to its {@link CompileListener}.
 *
 * @param index the variant's index for {@link CompileWrapper#dispatchTo}
 * @param label what the variant is for, e.g. {@code "batch=8 seq=32"}, for logs
 * @param variant the compiled variant; its {@link CompiledVariant#key()} may name the interpreter
 *     when a general variant fell back to it
 * @param graph the optimised graph the variant was compiled from
 * @param compileNanos time to specialise the graph and compile (or load) the variant
 */
public record VariantEvent(
    int index, String label, CompiledVariant variant, Graph graph, long compileNanos) {
  public VariantKey key() {
    return variant.key();
  }

  /** The generated source of the variant. */
  public String source() {
    return variant.source();
  }
}
