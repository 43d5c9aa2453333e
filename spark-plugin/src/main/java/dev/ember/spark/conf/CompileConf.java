package dev.ember.spark.conf;

import dev.ember.executor.dispatch.CompileOptions;
import java.util.List;
import java.util.Optional;

/**
 * The compile wrapper's and compile cache's keys ({@code spark.ember.compile.*}, {@code
 * spark.ember.codegen.*}), declared into {@link EmberConf}'s registry; read them through an
 * {@code EmberConf} like any other key.
 */
public final class CompileConf {
  private CompileConf() {}

  public static final ConfEntry<Integer> MAX_VARIANTS =
      EmberConf.conf("spark.ember.compile.maxVariants")
          .doc(
              "Level 1 only: the most shape-specialised variants one model may compile. Past it,"
                  + " new shapes run on the general (level-2) variant and a warning names the"
                  + " shapes that keep recompiling.")
          .since("0.1.0")
          .startupOnly()
          .intConf()
          .check(v -> v >= 1 && v <= 1024, "an integer in [1, 1024]")
          .createWithDefault(CompileOptions.DEFAULT_MAX_VARIANTS);

  public static final ConfEntry<List<Integer>> CAPTURE_SIZES =
      EmberConf.conf("spark.ember.compile.captureSizes")
          .doc(
              "Level 3: batch sizes that get their own static-shape variant. A batch is padded up"
                  + " to the next size; batches above the largest are split.")
          .since("0.1.0")
          .startupOnly()
          .intListConf()
          .check(CompileConf::ascendingPositive, "a non-empty ascending list of positive integers")
          .createWithDefault(CompileOptions.DEFAULT_CAPTURE_SIZES);

  public static final ConfEntry<List<Integer>> SEQ_BUCKETS =
      EmberConf.conf("spark.ember.compile.seqBuckets")
          .doc(
              "Level 3: sequence lengths (tokens) that get their own static-shape variant, per"
                  + " capture size. Rows are grouped by token length into these buckets and padded"
                  + " to the bucket's length; longer rows run on the general (level-2) variant."
                  + " Fine buckets waste less padding but compile more variants. For a model fed"
                  + " by its tokenizer (embeddings, text predict), buckets past the first that holds"
                  + " spark.ember.text.maxLength tokens are dropped: no row is longer.")
          .since("0.1.0")
          .startupOnly()
          .intListConf()
          .check(CompileConf::ascendingPositive, "a non-empty ascending list of positive integers")
          .createWithDefault(CompileOptions.DEFAULT_SEQ_BUCKETS);

  public static final ConfEntry<Boolean> CAPTURE_EAGERLY =
      EmberConf.conf("spark.ember.compile.captureEagerly")
          .doc(
              "Level 3: compile every captureSizes x seqBuckets variant when the executor starts"
                  + " (slower start, no compile inside tasks) instead of on first use of each.")
          .since("0.1.0")
          .startupOnly()
          .booleanConf()
          .createWithDefault(false);

  public static final ConfEntry<Optional<String>> CACHE_DIR =
      EmberConf.conf("spark.ember.compile.cacheDir")
          .doc(
              "Folder of the persistent compile cache on each executor's local disk. Unset: a"
                  + " folder `ember-compile-cache` under the executor's first Spark local directory"
                  + " when one is configured (spark.local.dir / SPARK_LOCAL_DIRS / the cluster"
                  + " manager's), shared by the executors of that node; otherwise"
                  + " `$XDG_CACHE_HOME/ember/compile-cache` (`~/.cache/ember/compile-cache`), never"
                  + " a shared folder such as /tmp. The folder must belong to the user running the"
                  + " executors and be writable by nobody else (it is created `rwx------`): one"
                  + " that is a symbolic link, belongs to another user or is group/world-writable"
                  + " is refused with a warning and the job runs without the cache. Entries are"
                  + " signed with a per-user key in `$XDG_CONFIG_HOME/ember/cache-key`"
                  + " (`~/.config/ember/cache-key`, `rw-------`).")
          .since("0.1.0")
          .startupOnly()
          .stringConf()
          .createOptional();

  public static final ConfEntry<Boolean> CACHE_ENABLED =
      EmberConf.conf("spark.ember.compile.cache.enabled")
          .doc(
              "Keep compiled variants on local disk so a later executor start on the same node"
                  + " skips compilation. `false` compiles at every start and writes nothing.")
          .since("0.1.0")
          .startupOnly()
          .booleanConf()
          .createWithDefault(true);

  public static final ConfEntry<Boolean> CACHE_MODEL_IMAGES =
      EmberConf.conf("spark.ember.compile.cache.modelImages")
          .doc(
              "Keep each model's imported graph and weights in the compile cache, found again by"
                  + " the model file's place, size and modification time, so that a warm executor"
                  + " neither reads nor parses the ONNX file (on all-MiniLM-L6-v2: 0.4 to 0.6 s of"
                  + " a 2.5 s warm load). Written in the background after the first load, for models of"
                  + " 4 MiB or more without external data. Turn it off where model files are"
                  + " rewritten in place keeping their size and modification time. No effect"
                  + " when the compile cache is off.")
          .since("0.1.0")
          .startupOnly()
          .booleanConf()
          .createWithDefault(true);

  public static final ConfEntry<Integer> CODEGEN_LOG_MAX_LINES =
      EmberConf.conf("spark.ember.codegen.logMaxLines")
          .doc(
              "When generated code fails to compile, how many of its numbered lines the error log"
                  + " shows.")
          .since("0.1.0")
          .intConf()
          .check(v -> v >= 0, "an integer >= 0")
          .createWithDefault(500);

  /** Touched by EmberConf's static initializer so these keys register with it. */
  static void register() {}

  private static boolean ascendingPositive(List<Integer> l) {
    if (l.isEmpty() || l.get(0) < 1) {
      return false;
    }
    for (int i = 1; i < l.size(); i++) {
      if (l.get(i) <= l.get(i - 1)) {
        return false;
      }
    }
    return true;
  }
}
