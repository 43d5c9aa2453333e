package dev.ember.executor.predict;

/**
 * What a {@link BatchRunner} has done since it was built.
 *
 * @param rows non-null rows run
 * @param batches forward passes (micro-batches) before the wrapper's own padding and splitting
 * @param realTokens sequence positions of the rows (0 for models without a sequence dim)
 * @param paddedTokens positions the variants ran, padding included
 */
public record RunStats(long rows, long batches, long realTokens, long paddedTokens) {}
