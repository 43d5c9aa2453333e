package dev.ember.spark;

import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.cache.UserDirs;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.spark.conf.CompileConf;
import dev.ember.spark.conf.EmberConf;
import java.io.File;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.util.Utils;

/**
 * Everything that decides how an executor builds a model's engine, read once from the {@code
 * spark.ember.*} configuration; equal settings share one engine per JVM.
 *
 * @param modelImages whether the compile cache also keeps imported models ({@code
 *     spark.ember.compile.cache.modelImages})
 * @param cacheDir the compile cache folder; null until {@link #resolved} fills in the default
 *     for the JVM it runs in (the driver cannot know an executor's local dirs)
 * @param device where the engine runs; null until the executor fills in its own ({@link
 *     #withDevice}), which the driver cannot know either
 * @param cuda the CUDA backend's settings, used when the device is a CUDA device
 * @param cpu the CPU backend's settings, used when the device is the CPU
 * @param backend which engine runs predict models ({@code spark.ember.backend}): auto, ember, ort
 */
public record EngineSettings(
    int maxLength,
    int level,
    int maxVariants,
    List<Integer> captureSizes,
    List<Integer> seqBuckets,
    boolean captureEagerly,
    boolean cacheEnabled,
    boolean modelImages,
    String cacheDir,
    int codegenLogMaxLines,
    Device device,
    CudaSettings cuda,
    CpuSettings cpu,
    String backend)
    implements Serializable {
  public EngineSettings {
    captureSizes = List.copyOf(captureSizes);
    seqBuckets = List.copyOf(seqBuckets);
  }

  /** Name of the cache folder under a node's Spark local directory. */
  static final String CACHE_FOLDER = "ember-compile-cache";

  /**
   * Reads the settings; an unset cache folder stays null until {@link #resolved}, the device until
   * {@link #withDevice}.
   */
  public static EngineSettings from(EmberConf conf) {
    String dir = conf.get(CompileConf.CACHE_DIR).orElse(null);
    return new EngineSettings(
        conf.get(EmberConf.TEXT_MAX_LENGTH),
        conf.get(EmberConf.COMPILE_LEVEL),
        conf.get(CompileConf.MAX_VARIANTS),
        conf.get(CompileConf.CAPTURE_SIZES),
        conf.get(CompileConf.SEQ_BUCKETS),
        conf.get(CompileConf.CAPTURE_EAGERLY),
        conf.get(CompileConf.CACHE_ENABLED),
        conf.get(CompileConf.CACHE_MODEL_IMAGES),
        dir,
        conf.get(CompileConf.CODEGEN_LOG_MAX_LINES),
        null,
        CudaSettings.from(conf),
        CpuSettings.from(conf),
        conf.get(EmberConf.BACKEND));
  }

  /** These settings with another token limit. */
  public EngineSettings withMaxLength(int tokens) {
    return new EngineSettings(tokens, level, maxVariants, captureSizes, seqBuckets,
        captureEagerly, cacheEnabled, modelImages, cacheDir, codegenLogMaxLines, device, cuda, cpu,
        backend);
  }

  /** These settings on another device. */
  public EngineSettings withDevice(Device d) {
    return new EngineSettings(maxLength, level, maxVariants, captureSizes, seqBuckets,
        captureEagerly, cacheEnabled, modelImages, cacheDir, codegenLogMaxLines, d, cuda, cpu,
        backend);
  }

  /** These settings with the default cache folder of the JVM whose configuration is given. */
  public EngineSettings resolved(SparkConf sparkConf) {
    if (cacheDir != null) {
      return this;
    }
    return new EngineSettings(maxLength, level, maxVariants, captureSizes, seqBuckets,
        captureEagerly, cacheEnabled, modelImages,
        defaultCacheDir(sparkConf, UserDirs.current()).getPath(),
        codegenLogMaxLines, device, cuda, cpu, backend);
  }

  /** The engine policy of {@code spark.ember.backend}. */
  public BackendPolicy backendPolicy() {
    return BackendPolicy.parse(backend);
  }

  /** The compile wrapper's options for these settings. */
  public CompileOptions compileOptions() {
    CompileOptions o = CompileOptions.level(level);
    if (level == 0) {
      return o;
    }
    return o.withMaxVariants(maxVariants)
        .withCaptureSizes(captureSizes)
        .withSeqBuckets(seqBuckets)
        .withCaptureAhead(captureEagerly);
  }

  /**
   * The compile wrapper's options for a model fed by its tokenizer, which cuts every text at
   * {@code maxLength} tokens: the sequence buckets stop at the first that holds {@code maxLength},
   * since no row is longer (the default buckets run to 512, twice the default maxLength, and
   * planned 133 variants and 2.4 GB of activations for MiniLM that no row could use).
   */
  public CompileOptions textCompileOptions() {
    CompileOptions o = compileOptions();
    if (level == 0) {
      return o;
    }
    List<Integer> kept = new ArrayList<>();
    for (int b : seqBuckets) {
      kept.add(b);
      if (b >= maxLength) {
        break;
      }
    }
    return o.withSeqBuckets(kept);
  }

  /**
   * Where the compile cache goes unless configured: a folder under the first Spark local directory
   * of this process when Spark's local dirs are configured (spark.local.dir, SPARK_LOCAL_DIRS, a
   * worker's or YARN's dirs), else the user's own cache folder ({@link UserDirs#compileCache()}),
   * never Spark's fallback java.io.tmpdir: a folder in a shared /tmp can be made first by another
   * local user, and the cache holds code that runs. A standalone executor's local dir is {@code
   * <worker local dir>/spark-<uuid>/executor-<uuid>}, which the worker deletes when the application
   * ends; the cache goes to the worker's local dir instead, so the next application on the node
   * starts warm.
   */
  static File defaultCacheDir(SparkConf sparkConf, UserDirs user) {
    if (!localDirsConfigured(sparkConf)) {
      return user.compileCache().toFile();
    }
    File local = new File(Utils.getConfiguredLocalDirs(sparkConf)[0]);
    while (local.getParentFile() != null && PER_APP_DIR.matcher(local.getName()).matches()) {
      local = local.getParentFile();
    }
    return new File(local, CACHE_FOLDER);
  }

  /**
   * Whether Spark's local dirs come from configuration rather than its java.io.tmpdir fallback.
   * Spark looks at YARN's and a worker's dirs and SPARK_LOCAL_DIRS before spark.local.dir; asking
   * it again with a probe value for spark.local.dir tells whether any of those applies, in Spark's
   * own order, without reading the environment here.
   */
  static boolean localDirsConfigured(SparkConf sparkConf) {
    if (sparkConf.contains(SPARK_LOCAL_DIR)) {
      return true;
    }
    String probe = "/ember-probe-of-spark-local-dirs";
    String[] dirs = Utils.getConfiguredLocalDirs(sparkConf.clone().set(SPARK_LOCAL_DIR, probe));
    return !(dirs.length == 1 && dirs[0].equals(probe));
  }

  /** Spark's own key for its local directories. */
  private static final String SPARK_LOCAL_DIR = "spark.local.dir";

  /** Names of the per-application folders Spark creates and deletes under a local dir. */
  private static final java.util.regex.Pattern PER_APP_DIR =
      java.util.regex.Pattern.compile("(spark|executor)-[0-9a-f]{8}-[0-9a-f-]{27}");
}
