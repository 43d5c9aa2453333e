package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link VariantStore} that keeps artifacts and dumps in memory, keyed by {@link
 * VariantKey#canonical()}: a second wrapper over the same store loads instead of compiling. For
 * tests, and for runs with the disk cache turned off. Two wrappers racing on one new key may both
 * compile it; the last artifacts win (they are equivalent).
 */
public final class InMemoryVariantStore implements VariantStore {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryVariantStore.class);

  /** The readable form of one variant. */
  public record Dump(VariantKey key, String source, String graph) {}

  private final Map<String, VariantArtifacts> saved = new ConcurrentHashMap<>();
  private final Map<String, Dump> dumps = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder rebuilds = new LongAdder();

  @Override
  public CompiledVariant obtain(
      VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile) {
    String id = key.canonical();
    VariantArtifacts a = saved.get(id);
    if (a != null) {
      try {
        CompiledVariant v = backend.load(graph, key, a);
        hits.increment();
        return v;
      } catch (RuntimeException e) {
        // Artifacts that no longer load are rebuilt, never surfaced (vLLM #24915).
        LOG.warn("Saved variant {} did not load ({}); compiling it again", id, e.toString());
        saved.remove(id, a);
        rebuilds.increment();
      }
    }
    misses.increment();
    CompiledVariant v = compile.get();
    saved.put(id, v.artifacts());
    return v;
  }

  @Override
  public void writeDump(VariantKey key, String source, String graphDump) {
    dumps.putIfAbsent(key.canonical(), new Dump(key, source, graphDump));
  }

  /** The dumps written so far, by canonical key, sorted. */
  public Map<String, Dump> dumps() {
    return new TreeMap<>(dumps);
  }

  /** Variants loaded from saved artifacts. */
  public long hits() {
    return hits.sum();
  }

  /** Variants compiled because nothing was saved for their key. */
  public long misses() {
    return misses.sum();
  }

  /** Saved entries that failed to load and were compiled again. */
  public long rebuilds() {
    return rebuilds.sum();
  }
}
