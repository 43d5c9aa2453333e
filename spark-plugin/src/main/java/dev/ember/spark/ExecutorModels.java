package dev.ember.spark;

import dev.ember.executor.cache.CacheStats;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.BackendChoice;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.errors.Redaction;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelImages;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.predict.Predictor;
import dev.ember.executor.predict.RunStats;
import dev.ember.executor.text.EmbedStats;
import dev.ember.executor.text.SentenceEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (one executor, or the driver in local mode), loaded once and shared by
 * every task. The executor plugin fills it at start; a task that needs a model the plugin did not
 * load (or runs without the plugin) loads it here on first use, once: concurrent tasks wait for
 * the one load instead of starting their own. A failed load is forgotten, so Spark's task retry
 * tries again; except a failure at executor start ({@link #recordStartFailure}), which every task
 * that needs the model (or, for a device failure, any model) raises again. At compile level 1-3 each model runs behind a compile wrapper whose variants are
 * kept in the node's compile cache, on the device of its {@link EngineSettings} (the executor's,
 * or the task's own GPU, {@link ExecutorDevice}); one engine per spec and settings.
 *
 * <p>Thread-safe. Embedders live until the JVM ends ({@link #closeAll} at plugin shutdown).
 */
public final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  private static final Map<Key, CompletableFuture<Object>> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, CompileCache> CACHES = new ConcurrentHashMap<>();
  // Failures of the executor plugin's start, by spec; ANY_MODEL for the device.
  private static final Map<String, EmberException> START_FAILURES = new ConcurrentHashMap<>();
  private static final String ANY_MODEL = "";
  private static final AtomicLong LOADS = new AtomicLong();
  private static final AtomicLong LOAD_NANOS = new AtomicLong();

  private ExecutorModels() {}

  /** What makes two loads the same: the spec, the engine settings and what is built. */
  private record Key(String spec, EngineSettings settings, Kind kind) {}

  /** A sentence embedder (tokenizer, encoder, pooling) or a plain predictor over any model. */
  private enum Kind {
    EMBEDDER,
    PREDICTOR,
    /** A predictor with the model's tokenizer, for text columns. */
    TEXT_PREDICTOR
  }

  /**
   * The shared embedder for {@code spec}, loading it through {@code files} if this JVM has not
   * yet. Blocks while another thread loads the same model.
   *
   * @throws dev.ember.executor.errors.EmberException when the model cannot be loaded
   */
  public static SentenceEmbedder embedder(
      String spec, EngineSettings settings, ModelFiles files) {
    return (SentenceEmbedder) shared(spec, settings, Kind.EMBEDDER, files);
  }

  /**
   * The shared predictor (any batchable model) for {@code spec}, loading it through {@code files}
   * if this JVM has not yet. Blocks while another thread loads the same model.
   *
   * @throws dev.ember.executor.errors.EmberException when the model cannot be loaded
   */
  public static Predictor predictor(String spec, EngineSettings settings, ModelFiles files) {
    return predictor(spec, settings, files, false);
  }

  /** Like {@link #predictor(String, EngineSettings, ModelFiles)}, with its tokenizer loaded
   * ({@code text}) for string columns. */
  public static Predictor predictor(String spec, EngineSettings settings, ModelFiles files,
      boolean text) {
    return (Predictor) shared(spec, settings, text ? Kind.TEXT_PREDICTOR : Kind.PREDICTOR, files);
  }

  /**
   * Records that this executor could not load {@code spec} at start (null: could not use its
   * device, so no model runs here). Tasks that need it then fail with {@code failure}'s code and
   * message ({@link Errors#again}) instead of loading again; {@link #closeAll} forgets it.
   */
  public static void recordStartFailure(String spec, EmberException failure) {
    START_FAILURES.put(spec == null ? ANY_MODEL : spec, failure);
  }

  private static Object shared(String spec, EngineSettings settings, Kind kind,
      ModelFiles files) {
    EmberException failed = START_FAILURES.getOrDefault(ANY_MODEL, START_FAILURES.get(spec));
    if (failed != null) {
      throw Errors.again(failed);
    }
    EngineSettings resolved = settings.resolved(org.apache.spark.SparkEnv.get().conf());
    if (resolved.device() == null) {
      resolved = resolved.withDevice(ExecutorDevice.forCurrentTask());
    }
    Key key = new Key(spec, resolved, kind);
    CompletableFuture<Object> mine = new CompletableFuture<>();
    CompletableFuture<Object> existing = MODELS.putIfAbsent(key, mine);
    if (existing == null) {
      load(key, files, mine);
      existing = mine;
    }
    try {
      return existing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for model '" + Redaction.redact(spec) + "'", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(
          "loading model '" + Redaction.redact(spec) + "' failed", cause);
    }
  }

  private static void load(Key key, ModelFiles files, CompletableFuture<Object> slot) {
    long start = System.nanoTime();
    try {
      Object model = key.kind() == Kind.EMBEDDER ? buildEmbedder(key, files)
          : buildPredictor(key, files);
      long nanos = System.nanoTime() - start;
      LOADS.incrementAndGet();
      LOAD_NANOS.addAndGet(nanos);
      LOG.info("Ember loaded model {} ({}) on {} at compile level {} (maxLength {}) in {} ms",
          Redaction.redact(key.spec()), key.kind(), key.settings().device(),
          key.settings().level(), key.settings().maxLength(), nanos / 1_000_000);
      ModelPlans.logLoaded(key.spec(), key.settings(), wrapperOf(model));
      slot.complete(model);
    } catch (RuntimeException | Error t) {
      MODELS.remove(key, slot); // let a retried task try again
      slot.completeExceptionally(t);
    }
  }

  private static SentenceEmbedder buildEmbedder(Key key, ModelFiles files) {
    EngineSettings s = key.settings();
    ModelSpec spec = ModelSpec.parse(key.spec());
    if (s.level() == 0) {
      return SentenceEmbedder.load(spec, files, s.maxLength());
    }
    return SentenceEmbedder.load(
        spec, files, s.maxLength(), SentenceEmbedder.DEFAULT_BATCH_ROWS, compiler(key));
  }

  private static Predictor buildPredictor(Key key, ModelFiles files) {
    ModelSpec spec = ModelSpec.parse(key.spec());
    // Only predictors take the ONNX Runtime fallback: an embedder runs a graph Ember extends
    // with its pooling, which ONNX Runtime would not see in the model's bytes.
    return Predictor.load(spec, files, key.settings().level() == 0 ? null
            : compiler(key).backendPolicy(key.settings().backendPolicy()),
        key.kind() == Kind.TEXT_PREDICTOR ? key.settings().maxLength() : 0);
  }

  /** The compile wrapper recipe of a load: its backend, the node's cache and a log line. */
  private static CompileWrapper.Builder compiler(Key key) {
    EngineSettings s = key.settings();
    boolean text = key.kind() != Kind.PREDICTOR; // the tokenizer bounds the sequence
    return CompileWrapper.builder(text ? s.textCompileOptions() : s.compileOptions())
        .backend(BackendFactory.backend(s))
        .backendOptions(BackendFactory.backendOptions(s))
        .store(store(s))
        .listener(
            ev -> LOG.info("Ember variant #{} {} of {} ready in {} ms", ev.index(),
                ev.label(), Redaction.redact(key.spec()), ev.compileNanos() / 1_000_000));
  }

  /** The compile cache of these settings as the wrapper's variant store. */
  static CachedVariantStore store(EngineSettings s) {
    return new CachedVariantStore(cache(s), null, s.compileOptions().cacheFactor(),
        BackendFactory.cacheDevice(s.device(), s.cuda())).withModelImages(s.modelImages());
  }

  private static CompileCache cache(EngineSettings s) {
    if (!s.cacheEnabled()) {
      return CompileCache.disabled();
    }
    return CACHES.computeIfAbsent(s.cacheDir(), d -> {
      LOG.info("Ember compile cache at {}", d);
      return CompileCache.open(Path.of(d));
    });
  }

  /** How many models this JVM has loaded since it started (or since {@link #closeAll}). */
  public static long loadCount() {
    return LOADS.get();
  }

  /** Total milliseconds spent loading models in this JVM. */
  public static long loadMillis() {
    return LOAD_NANOS.get() / 1_000_000;
  }

  /** Number of models currently loaded or loading. */
  public static int size() {
    return MODELS.size();
  }

  private static Optional<CompileWrapper> wrapperOf(Object model) {
    return model instanceof SentenceEmbedder e ? e.compileWrapper()
        : model instanceof Predictor p ? p.compileWrapper() : Optional.empty();
  }

  /** A compile-wrapper counter summed over the loaded models. */
  public static long sumWrapperStats(ToLongFunction<WrapperStats> f) {
    long sum = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      Optional<CompileWrapper> w = wrapperOf(m.getNow(null));
      if (w.isPresent()) {
        sum += f.applyAsLong(w.get().stats());
      }
    }
    return sum;
  }

  /**
   * Loaded models whose variants run on ONNX Runtime (spark.ember.backend=ort, or auto for a model
   * with ops Ember lacks).
   */
  public static long onnxRuntimeModels() {
    long n = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      if (wrapperOf(m.getNow(null)).flatMap(CompileWrapper::backendChoice)
          .filter(BackendChoice::onOrt).isPresent()) {
        n++;
      }
    }
    return n;
  }

  /** Forward passes run by the loaded models (embedders and predictors), summed. */
  public static long sumModelBatches() {
    long sum = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      Object model = m.getNow(null);
      if (model instanceof SentenceEmbedder e) {
        sum += e.stats().batches();
      } else if (model instanceof Predictor p) {
        sum += p.stats().batches();
      }
    }
    return sum;
  }

  /** Texts cut to spark.ember.text.maxLength tokens by the loaded models' tokenizers, summed. */
  public static long sumTruncatedTexts() {
    long sum = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      Object model = m.getNow(null);
      if (model instanceof SentenceEmbedder e) {
        sum += e.stats().truncatedTexts();
      } else if (model instanceof Predictor p) {
        sum += p.truncatedTexts();
      }
    }
    return sum;
  }

  /**
   * A snapshot of each loaded model's compile wrapper (none at compile level 0): its variants,
   * their dispatches and the level-3 padding. In local mode this JVM is the executor, so a driver
   * program or notebook sees what its tasks ran; on a cluster the executors report these as Spark
   * metrics.
   */
  public static List<WrapperStats> wrapperStats() {
    List<WrapperStats> out = new ArrayList<>();
    for (CompletableFuture<Object> m : MODELS.values()) {
      wrapperOf(m.getNow(null)).ifPresent(c -> out.add(c.stats()));
    }
    return out;
  }

  /**
   * The loaded sentence embedders' counters summed: texts, batches, tokens before and after each
   * batch is padded to its longest row (at every compile level), and texts cut to the token limit.
   */
  public static EmbedStats embedStats() {
    long texts = 0;
    long batches = 0;
    long real = 0;
    long padded = 0;
    long truncated = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      if (m.getNow(null) instanceof SentenceEmbedder e) {
        EmbedStats s = e.stats();
        texts += s.texts();
        batches += s.batches();
        real += s.realTokens();
        padded += s.paddedTokens();
        truncated += s.truncatedTexts();
      }
    }
    return new EmbedStats(texts, batches, real, padded, truncated);
  }

  /** A batch-runner counter (rows, batches) summed over the loaded predictors. */
  public static long sumRunStats(ToLongFunction<RunStats> f) {
    long sum = 0;
    for (CompletableFuture<Object> m : MODELS.values()) {
      if (m.getNow(null) instanceof Predictor p) {
        sum += f.applyAsLong(p.stats());
      }
    }
    return sum;
  }

  /** A compile-cache counter summed over this JVM's caches. */
  public static long sumCacheStats(ToLongFunction<CacheStats> f) {
    long sum = 0;
    for (CompileCache c : CACHES.values()) {
      sum += f.applyAsLong(c.stats());
    }
    return sum;
  }

  /**
   * Closes and forgets every model; the next use loads again. A model image still being written
   * ({@link ModelImages}) is finished first, so the next start finds it.
   */
  public static synchronized void closeAll() {
    ModelImages.awaitWrites();
    for (CompletableFuture<Object> f : MODELS.values()) {
      if (f.getNow(null) instanceof SentenceEmbedder e) {
        e.close();
      }
    }
    MODELS.clear();
    START_FAILURES.clear();
    LOADS.set(0);
    LOAD_NANOS.set(0);
  }
}
