package dev.ember.executor.dispatch;

import java.util.List;

/**
 * A snapshot of a {@link CompileWrapper}'s counters, for metrics and logs. Rows and tokens are
 * counted at level 3, where padding happens: {@code padded / real} is the padding overhead; a token
 * is one (row, position) of the seq dim, or one row when the model has no seq dim.
 *
 * @param calls {@link CompileWrapper#call} invocations
 * @param variantsCompiled variants compiled or loaded so far
 * @param compileNanos time spent compiling or loading them, summed
 * @param generalCalls calls run by the general variant because their shape was off the static ones
 *     (level 1 past maxVariants, level 3 seq above the largest bucket)
 * @param warnings warnings logged (recompiles, interpreter fallback)
 * @param realRows rows the callers passed (level 3)
 * @param paddedRows rows the variants ran, padding included (level 3)
 * @param realTokens tokens the callers passed (level 3)
 * @param paddedTokens tokens the variants ran, padding included (level 3)
 * @param variants one entry per variant index
 */
public record WrapperStats(
    long calls,
    long variantsCompiled,
    long compileNanos,
    long generalCalls,
    long warnings,
    long realRows,
    long paddedRows,
    long realTokens,
    long paddedTokens,
    List<VariantStats> variants) {
  public WrapperStats {
    variants = List.copyOf(variants);
  }

  /**
   * One variant's counters.
   *
   * @param index its index for {@link CompileWrapper#dispatchTo}
   * @param label what it is for, e.g. {@code "batch=8 seq=32"}
   * @param compiled whether it has been compiled yet (level 3 compiles lazily by default)
   * @param compileNanos its compile (or load) time, 0 until compiled
   * @param dispatches runs of this variant
   */
  public record VariantStats(
      int index, String label, boolean compiled, long compileNanos, long dispatches) {}

  /** Padded tokens per real token (1.0 = no waste); 1.0 before any level-3 call. */
  public double paddingOverhead() {
    return realTokens == 0 ? 1.0 : (double) paddedTokens / realTokens;
  }
}
