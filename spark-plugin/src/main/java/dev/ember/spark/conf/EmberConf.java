package dev.ember.spark.conf;

import dev.ember.executor.errors.EmberException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * Every {@code spark.ember.*} key, declared once as a typed {@link ConfEntry}, and an immutable,
 * validated snapshot of their values.
 *
 * <p>The driver plugin builds one at startup, which fails fast on any bad or unknown {@code
 * spark.ember.*} key; code then reads typed values and never a key by name:
 *
 * <pre>{@code
 * EmberConf conf = EmberConf.from(sparkConf);          // or EmberConf.from(Map<String, String>)
 * int batchSize = conf.get(EmberConf.BATCH_SIZE);      // 64 unless set
 * EmberConf session =                                 // a session may change runtime keys
 *     conf.withSessionConf(JavaConverters.mapAsJavaMap(spark.conf().getAll()));
 * }</pre>
 *
 * <p>To add a key, declare a {@code public static final ConfEntry} below with {@link
 * #conf(String)}, then regenerate {@code docs/configuration.md} ({@link ConfigDocs}). When this
 * class grows, move entries of one area into a class of this package ({@code CacheConf}) that
 * declares them through {@link #conf(String)} as well, and make {@code EmberConf}'s static
 * initializer touch that class so its keys register. Instances are immutable and thread-safe.
 */
public final class EmberConf {
  // Declared before every entry: static initializers run in textual order.
  private static final ConfRegistry REGISTRY = new ConfRegistry();

  /** Starts declaring an entry in Ember's registry. */
  static ConfBuilder conf(String key) {
    return REGISTRY.conf(key);
  }

  /** Model specs every executor loads at startup ({@code spark.ember.models}). */
  public static final ConfEntry<List<String>> MODELS =
      conf("spark.ember.models")
          .doc(
              "Models that every executor loads once, when Ember's executor plugin starts, as"
                  + " comma-separated model specs. `builtin:<name>` names a model shipped inside"
                  + " Ember's jar; the default is the sentence-embedding model all-MiniLM-L6-v2"
                  + " (384-dimensional embeddings). Loading at startup keeps the load time out"
                  + " of the first task.")
          .since("0.1.0")
          .startupOnly()
          .stringListConf()
          .check(
              models -> !models.isEmpty(),
              "a non-empty comma-separated list of model specs, such as"
                  + " builtin:all-minilm-l6-v2")
          .createWithDefault(List.of("builtin:all-minilm-l6-v2"));

  /** Maximum tokens per input text ({@code spark.ember.text.maxLength}). */
  public static final ConfEntry<Integer> TEXT_MAX_LENGTH =
      conf("spark.ember.text.maxLength")
          .doc(
              "Maximum tokens per input text, counting the special tokens the tokenizer adds"
                  + " ([CLS], [SEP]); longer texts are truncated to this length. 256 is the"
                  + " limit sentence-transformers uses for all-MiniLM-L6-v2; 512 is as far as"
                  + " the position embeddings of BERT-style models reach.")
          .since("0.1.0")
          .startupOnly()
          .intConf()
          .check(v -> v >= 1 && v <= 512, "an integer in [1, 512]")
          .createWithDefault(256);

  /** Maximum rows per inference batch ({@code spark.ember.batchSize}). */
  public static final ConfEntry<Integer> BATCH_SIZE =
      conf("spark.ember.batchSize")
          .doc(
              "Maximum rows per inference batch: a task cuts its partition into batches of up to"
                  + " this many rows and runs the model once per batch. Larger batches spread the"
                  + " per-call overhead over more rows but need more memory, since activations"
                  + " grow with batch size times sequence length.")
          .since("0.1.0")
          .intConf()
          .check(v -> v >= 1 && v <= 4096, "an integer in [1, 4096]")
          .createWithDefault(64);

  /** {@code auto}, {@code cpu} or {@code cuda} ({@code spark.ember.device}). */
  public static final ConfEntry<String> DEVICE =
      conf("spark.ember.device")
          .doc(
              "Where executors run models. `cpu` always uses the CPU. `cuda` runs them on the"
                  + " executor's GPU (the first address of its Spark `gpu` resource, or"
                  + " spark.ember.cuda.deviceOrdinal when Spark assigns none) and fails executor"
                  + " startup with DEVICE_UNAVAILABLE and the reason when CUDA is not usable."
                  + " `auto` uses CUDA when the executor owns a GPU (a `gpu` resource, or in local"
                  + " mode a device CUDA finds) and CUDA loads, and the CPU otherwise, logging"
                  + " why. CUDA needs compile level 1 or 3. On a GPU, `auto` runs a model whose"
                  + " ops lack CUDA kernels on the GPU with those ops on the CPU between device"
                  + " steps, or, where the copies would cost more than the GPU saves (or shapes"
                  + " are not static), wholly on the CPU, and logs which per variant; `cuda`"
                  + " refuses such a model with UNSUPPORTED_OP naming the ops.")
          .since("0.1.0")
          .startupOnly()
          .choiceConf("auto", "cpu", "cuda")
          .createWithDefault("auto");

  /** Compile level 0 to 3 ({@code spark.ember.compile.level}). */
  public static final ConfEntry<Integer> COMPILE_LEVEL =
      conf("spark.ember.compile.level")
          .doc(
              "How much the engine compiles each model, as in vLLM. 0: no compilation, the"
                  + " reference interpreter. 1: a variant specialised to each exact input shape,"
                  + " guards checked on every call (bounded by spark.ember.compile.maxVariants)."
                  + " 2: one variant with symbolic batch and sequence dims, compiled once and"
                  + " dispatched without guards. 3: static-shape variants per captured batch size"
                  + " x sequence bucket, batches padded up to the nearest one and dispatched by"
                  + " index (the fastest). Compiled variants are kept in the compile cache.")
          .since("0.1.0")
          .startupOnly()
          .intConf()
          .check(v -> v >= 0 && v <= 3, "an integer in [0, 3]")
          .createWithDefault(3);

  /** Which engine runs a model: {@code auto}, {@code ember} or {@code ort} ({@code
   * spark.ember.backend}). */
  public static final ConfEntry<String> BACKEND =
      conf("spark.ember.backend")
          .doc(
              "Which engine runs the models of the predict UDFs (`ember_predict`, EmberPredict)"
                  + " at compile levels 1-3. `auto`: Ember's own backend when it implements every"
                  + " op of the model, else ONNX Runtime, with an INFO log line naming the ops"
                  + " that forced it. `ember`: Ember only; a model with an op Ember lacks fails"
                  + " with UNSUPPORTED_OP naming the ops. `ort`: ONNX Runtime for every model"
                  + " (handy to compare). ONNX Runtime runs behind the same compile wrapper"
                  + " (captured batch sizes and padding, metrics, the compile cache, which keeps"
                  + " its optimised model), one session per model and executor. Its jar is not"
                  + " bundled: add com.microsoft.onnxruntime:onnxruntime:1.23.2 to the executors'"
                  + " classpath (`--packages`); a model that needs it fails without it with"
                  + " DEPENDENCY_MISSING. `bin/ember explain` says which engine runs a model and"
                  + " why. Sentence embedders and compile level 0 always run on Ember.")
          .since("0.1.0")
          .startupOnly()
          .choiceConf("auto", "ember", "ort")
          .createWithDefault("auto");

  /**
   * Intra-op threads per executor engine; 0 = one per task slot ({@code
   * spark.ember.engine.threads}).
   */
  public static final ConfEntry<Integer> ENGINE_THREADS =
      conf("spark.ember.engine.threads")
          .doc(
              "Threads each matrix multiplication of a compiled CPU variant may use (OpenBLAS"
                  + " only; its pool is shared by the whole executor JVM). Spark already runs one"
                  + " task per core, and each task's batches run on its own thread, so 1 keeps"
                  + " the cores busy without oversubscribing them. Raise it only where executors"
                  + " run fewer concurrent tasks than cores (for example `spark.task.cpus` equal"
                  + " to `spark.executor.cores`). Part of every variant's cache key.")
          .since("0.1.0")
          .startupOnly()
          .intConf()
          .check(v -> v >= 1, "an integer >= 1")
          .createWithDefault(1);

  /** Sort rows by token length before batching ({@code spark.ember.sortByLength}). */
  public static final ConfEntry<Boolean> SORT_BY_LENGTH =
      conf("spark.ember.sortByLength")
          .doc(
              "Sort the rows of each partition by token length before cutting them into"
                  + " batches, so rows of similar length share a batch and less work goes into"
                  + " padding. Outputs come back in the original row order either way; `false`"
                  + " batches rows in arrival order.")
          .since("0.1.0")
          .booleanConf()
          .createWithDefault(true);

  public static final ConfEntry<Boolean> SQL_ALLOW_NARROWING =
      conf("spark.ember.sql.allowNarrowing")
          .doc(
              "Let `ember_predict` in SQL feed double (or long) values to a model's float (or"
                  + " int32) inputs, rounding each value. Off, such a call fails before any task"
                  + " and names the argument to CAST; the DataFrame API's"
                  + " `EmberPredict.allowNarrowing` does the same per call.")
          .since("0.1.0")
          .booleanConf()
          .createWithDefault(false);

  /** How Ember's SQL functions appear to the RAPIDS Accelerator ({@code spark.ember.sql.rapids}). */
  public static final ConfEntry<String> SQL_RAPIDS =
      conf("spark.ember.sql.rapids")
          .doc(
              "Whether `ember_predict` and `ember_embed` are planned as RAPIDS-accelerated UDFs"
                  + " (a Spark ScalaUDF whose function implements `com.nvidia.spark.RapidsUDF`),"
                  + " so a GPU plan of the RAPIDS Accelerator keeps them on the GPU, column to"
                  + " column. `auto`: when `spark.plugins` holds `com.nvidia.spark.SQLPlugin`"
                  + " and `spark.rapids.sql.enabled` is not false. `on`: always (the RAPIDS jar"
                  + " must be on the classpath). `off`: never; calls are lifted into Ember's own"
                  + " batch node (`EmberBatchEval`), which RAPIDS runs on the CPU. Where RAPIDS"
                  + " leaves a UDF call on the CPU, it runs one row per model call.")
          .since("0.1.0")
          .choiceConf("auto", "on", "off")
          .createWithDefault("auto");

  /** Kill switch of the RAPIDS device feed ({@code spark.ember.sql.rapids.deviceFeed}). */
  public static final ConfEntry<Boolean> SQL_RAPIDS_DEVICE_FEED =
      conf("spark.ember.sql.rapids.deviceFeed")
          .doc(
              "Under the RAPIDS Accelerator, let an `ember_predict` call whose model runs on the"
                  + " GPU read its argument columns' cudf device buffers directly and build its"
                  + " result on the device. `false` copies every batch to the host and back (the"
                  + " path text and CPU models always take), with the reason counted in the"
                  + " staged-batch metrics: a switch for isolating a fault in the device path.")
          .since("0.1.0")
          .booleanConf()
          .createWithDefault(true);

  static {
    CompileConf.register(); // their keys join this registry
    CudaConf.register();
    CpuConf.register();
  }

  private final ConfRegistry registry;
  // Parsed values of the keys that are set, by key; the rest read their default.
  private final Map<String, Object> values;

  private EmberConf(ConfRegistry registry, Map<String, Object> values) {
    this.registry = registry;
    this.values = Map.copyOf(values);
  }

  /** Every declared entry, internal ones included, in declaration order. */
  public static List<ConfEntry<?>> entries() {
    return REGISTRY.entries();
  }

  /** A configuration where every key has its default. */
  public static EmberConf defaults() {
    return new EmberConf(REGISTRY, Map.of());
  }

  /**
   * Validates the {@code spark.ember.*} keys of {@code settings} and returns their typed values;
   * other keys are ignored. Keys are checked in sorted order and the first problem is thrown.
   *
   * @throws EmberException for an unknown {@code spark.ember.*} key (suggesting the closest
   *     declared key) or a value that does not parse or is not allowed (naming the key, the value
   *     and what is allowed)
   */
  public static EmberConf from(Map<String, String> settings) {
    return from(REGISTRY, settings);
  }

  /**
   * Like {@link #from(Map)}, over all of {@code sparkConf}'s settings ({@code getAll()}); called by
   * the driver plugin's {@code init} and on executors.
   *
   * @throws EmberException as {@link #from(Map)} does
   */
  public static EmberConf from(SparkConf sparkConf) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (Tuple2<String, String> kv : sparkConf.getAll()) {
      settings.put(kv._1(), kv._2());
    }
    return from(settings);
  }

  static EmberConf from(ConfRegistry registry, Map<String, String> settings) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> setting : emberSettings(settings).entrySet()) {
      ConfEntry<?> entry = known(registry, setting.getKey());
      values.put(entry.key(), entry.parse(setting.getValue()));
    }
    return new EmberConf(registry, values);
  }

  /**
   * Applies a running session's settings ({@code spark.conf().getAll()} as a Java map) on top of
   * this startup configuration. Runtime keys take the session's value; a startup-only key may
   * appear only with the value the application started with, since Spark copies startup settings
   * into every session.
   *
   * @throws EmberException for an unknown key or bad value, as {@link #from(Map)} does, or when the
   *     session changes a startup-only key
   */
  public EmberConf withSessionConf(Map<String, String> sessionSettings) {
    Map<String, Object> merged = new LinkedHashMap<>(values);
    for (Map.Entry<String, String> setting : emberSettings(sessionSettings).entrySet()) {
      ConfEntry<?> entry = known(registry, setting.getKey());
      Object value = entry.parse(setting.getValue());
      if (entry.isStartupOnly() && !value.equals(get(entry))) {
        throw ConfErrors.startupOnly(entry.key(), startupString(entry), setting.getValue());
      }
      merged.put(entry.key(), value);
    }
    return new EmberConf(registry, merged);
  }

  /**
   * The value of {@code entry}: the parsed setting if the key is set, its default otherwise.
   *
   * @throws IllegalArgumentException if {@code entry} is not declared in this configuration's
   *     registry
   */
  public <T> T get(ConfEntry<T> entry) {
    checkDeclared(entry);
    @SuppressWarnings("unchecked") // values.get(key) was parsed by this very entry
    T value = (T) values.get(entry.key());
    return value != null ? value : entry.defaultValue();
  }

  /** Whether {@code entry}'s key was set explicitly (even to its default value). */
  public boolean isSet(ConfEntry<?> entry) {
    checkDeclared(entry);
    return values.containsKey(entry.key());
  }

  /** Renders {@code docs/configuration.md}; see {@link ConfigDocs#main(String[])}. */
  public static void main(String[] args) throws IOException {
    ConfigDocs.main(args);
  }

  private <T> String startupString(ConfEntry<T> entry) {
    return entry.valueString(get(entry));
  }

  private void checkDeclared(ConfEntry<?> entry) {
    Objects.requireNonNull(entry, "entry");
    if (registry.lookup(entry.key()) != entry) {
      throw new IllegalArgumentException(
          "ConfEntry '" + entry.key() + "' is not declared in this EmberConf's registry");
    }
  }

  private static ConfEntry<?> known(ConfRegistry registry, String key) {
    ConfEntry<?> entry = registry.lookup(key);
    if (entry == null) {
      throw ConfErrors.unknownKey(key, registry.closestKey(key));
    }
    return entry;
  }

  /** The {@code spark.ember.*} settings, sorted by key so the first error is deterministic. */
  private static Map<String, String> emberSettings(Map<String, String> settings) {
    Map<String, String> ember = new TreeMap<>();
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      if (setting.getKey().startsWith(ConfRegistry.PREFIX)) {
        ember.put(setting.getKey(), Objects.requireNonNull(setting.getValue(), setting.getKey()));
      }
    }
    return ember;
  }
}
