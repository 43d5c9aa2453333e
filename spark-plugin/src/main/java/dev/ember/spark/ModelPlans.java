package dev.ember.spark;

import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.Redaction;
import dev.ember.executor.explain.ModelExplain;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SpecFiles;
import dev.ember.spark.conf.CudaConf;
import dev.ember.spark.conf.EmberConf;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explain text of a model under the engine settings ({@link ModelExplain}): printed by {@code
 * bin/ember explain} before anything runs, and logged by each executor at INFO when it loads a
 * model, so the two can be compared.
 */
public final class ModelPlans {
  private static final Logger LOG = LoggerFactory.getLogger(ModelPlans.class);

  private ModelPlans() {}

  /**
   * Explains a model as a local-mode executor with {@code conf} would run it: the device decided as
   * there (CPU unless a usable CUDA device is asked for or found), the cache folder resolved for
   * {@code sparkConf}.
   */
  public static String explain(String spec, EmberConf conf, SparkConf sparkConf,
      ModelFiles files) {
    conf.get(CudaConf.NVRTC_DIR).ifPresent(BackendFactory::useNvrtcDir);
    DeviceChoice.Decision d = DeviceChoice.decide(DeviceChoice.Request.from(conf), List.of(),
        true, BackendFactory::probe);
    EngineSettings s = EngineSettings.from(conf).resolved(sparkConf).withDevice(d.device());
    return explain(spec, s, files) + "  device: " + d.device() + " (" + d.reason() + ")\n";
  }

  /**
   * Reads the model {@code spec} names and explains what the engine would do with it under {@code
   * settings} (device and cache folder resolved); compiles and runs nothing.
   *
   * @throws dev.ember.executor.errors.EmberException as loading the model does (IO_ERROR,
   *     MODEL_INVALID, UNSUPPORTED_OP)
   */
  public static String explain(String spec, EngineSettings settings, ModelFiles files) {
    ModelSpec parsed = ModelSpec.parse(spec);
    byte[] bytes = SpecFiles.readModel(parsed, files);
    OnnxModel model = OnnxLoader.load(bytes,
        parsed.isBuiltin() ? parsed.spec() : parsed.modelLocation());
    if (settings.level() == 0) {
      CompileWrapper w = CompileWrapper.builder(settings.compileOptions()).build(model.graph());
      return ModelExplain.of(Redaction.redact(spec), w, null, settings.device().toString());
    }
    CachedVariantStore store = settings.cacheEnabled() ? ExecutorModels.store(settings) : null;
    // Builtin models are text encoders, fed by their tokenizer as the embed path runs them.
    CompileWrapper.Builder b =
        CompileWrapper.builder(parsed.isBuiltin() ? settings.textCompileOptions()
                : settings.compileOptions()).planOnly()
            .backend(BackendFactory.backend(settings))
            .backendOptions(BackendFactory.backendOptions(settings))
            .backendPolicy(settings.backendPolicy()); // as a predict UDF runs the model
    CompileWrapper w = (store == null ? b : b.store(store)).build(model.graph(), bytes);
    return ModelExplain.of(Redaction.redact(spec), w, store, settings.device().toString());
  }

  /** Logs the explain text of a model an executor just loaded (nothing at level 0). */
  static void logLoaded(String spec, EngineSettings settings, Optional<CompileWrapper> wrapper) {
    if (wrapper.isEmpty() || !LOG.isInfoEnabled()) {
      return;
    }
    try {
      CachedVariantStore store = settings.cacheEnabled() ? ExecutorModels.store(settings) : null;
      LOG.info("{}", ModelExplain.of(Redaction.redact(spec), wrapper.get(), store,
          settings.device().toString()));
    } catch (RuntimeException e) { // an explanation never fails a load
      LOG.warn("Ember could not explain model {}: {}", Redaction.redact(spec), e.toString());
    }
  }
}
