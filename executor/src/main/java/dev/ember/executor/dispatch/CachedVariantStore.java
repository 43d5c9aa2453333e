package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.cache.CacheEntry;
import dev.ember.executor.cache.CacheKeyFactors;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphPrinter;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@link VariantStore} over the persistent {@link CompileCache}: a variant whose artifacts are on
 * disk is rebuilt with {@link Backend#load} (no compiler run); otherwise it is compiled and its
 * artifacts, generated source and graph dump are saved atomically. Artifacts that no longer load
 * (another engine build, a damaged class file that still checksums) are quarantined and rebuilt.
 */
public final class CachedVariantStore implements VariantStore {
  private static final System.Logger LOG = System.getLogger(CachedVariantStore.class.getName());
  private final CompileCache cache;
  private final String modelSha256;
  private final String compileConfig;
  private final String device;
  private final boolean modelImages;

  /**
   * @param modelSha256 hash of the model bytes ({@code OnnxModel.sha256()}); null uses each
   *     variant key's graph hash (the wrapper's SHA-256 of the graph and its weights)
   * @param compileConfig canonical text of every setting that changes generated code
   * @param device what the code was built for ("cpu", or a CUDA architecture)
   */
  public CachedVariantStore(
      CompileCache cache, String modelSha256, String compileConfig, String device) {
    this(cache, modelSha256, compileConfig, device, false);
  }

  private CachedVariantStore(CompileCache cache, String modelSha256, String compileConfig,
      String device, boolean modelImages) {
    this.cache = Objects.requireNonNull(cache, "cache");
    this.modelSha256 = modelSha256;
    this.compileConfig = Objects.requireNonNull(compileConfig, "compileConfig");
    this.device = Objects.requireNonNull(device, "device");
    this.modelImages = modelImages;
  }

  /**
   * This store, also keeping the imported models its wrappers are built over in the cache
   * ({@code dev.ember.executor.text.ModelImages}), or not.
   */
  public CachedVariantStore withModelImages(boolean keep) {
    return new CachedVariantStore(cache, modelSha256, compileConfig, device, keep);
  }

  /** Whether model loads through this store's wrappers keep the model's image in its cache. */
  public boolean keepsModelImages() {
    return modelImages;
  }

  @Override
  public CompiledVariant obtain(
      VariantKey key, Graph graph, Backend backend, Supplier<CompiledVariant> compile) {
    CacheKeyFactors factors = factors(key);
    CompiledVariant[] fresh = new CompiledVariant[1];
    Supplier<CacheEntry> compileEntry =
        () -> {
          CompiledVariant v = compile.get();
          fresh[0] = v;
          return new CacheEntry(v.artifacts(), v.source(), GraphPrinter.print(graph));
        };
    long start = System.nanoTime();
    CacheEntry entry = cache.getOrCompile(factors, compileEntry);
    if (fresh[0] != null) {
      LOG.log(System.Logger.Level.INFO, "Compiled {0} variant {1} in {2} ms (entry {3})",
          backend.name(), describe(key), (System.nanoTime() - start) / 1_000_000, factors.key());
      return fresh[0];
    }
    try {
      CompiledVariant loaded = backend.load(graph, key, entry.artifacts());
      LOG.log(System.Logger.Level.INFO,
          "Compile cache hit: loaded {0} variant {1} without compiling in {2} ms (entry {3})",
          backend.name(), describe(key), (System.nanoTime() - start) / 1_000_000, factors.key());
      return loaded;
    } catch (EmberException e) {
      cache.invalidate(factors, "artifacts did not load: " + e.getMessage());
      cache.getOrCompile(factors, compileEntry);
      return fresh[0] != null ? fresh[0] : compile.get();
    }
  }

  /**
   * Whether the cache already holds an entry for variant {@code key}, so a start loads it instead
   * of compiling (the entry is still verified then). Reads nothing but the folder's existence.
   */
  public boolean holds(VariantKey key) {
    return cache.entryDir(factors(key)).map(java.nio.file.Files::isDirectory).orElse(false);
  }

  private CacheKeyFactors factors(VariantKey key) {
    return CacheKeyFactors.of(modelSha256 != null ? modelSha256 : key.graphHash(), key,
        compileConfig, device);
  }

  private static String describe(VariantKey key) {
    return key.inputShapes() + " " + key.options();
  }

  /** The cache entry already holds the source and graph dump ({@link CacheEntry}). */
  @Override
  public void writeDump(VariantKey key, String source, String graphDump) {}

  public CompileCache cache() {
    return cache;
  }
}
