package dev.ember.executor.cache;

/**
 * A snapshot of a {@link CompileCache}'s counters, for metrics and logs. Every lookup ({@code get}
 * or {@code getOrCompile}) counts one hit or one miss; a miss of {@code getOrCompile} is one
 * compile.
 *
 * @param hits lookups answered by a verified entry
 * @param misses lookups with no usable entry (compiles, for {@code getOrCompile})
 * @param rebuilds misses whose entry was corrupt or partial, quarantined and compiled again
 * @param quarantined entries moved to the quarantine folder (corrupt, partial, or invalidated)
 * @param writeFailures compiles whose result could not be saved (disk full, no permission); the
 *     compiled result was still returned
 */
public record CacheStats(
    long hits, long misses, long rebuilds, long quarantined, long writeFailures) {}
