package dev.ember.executor.backend.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One variant the compile wrapper planned, run by the backend's shared ORT session: the wrapper
 * has already padded the inputs to the variant's shapes, so the session sees the same captured
 * batch sizes an Ember variant would. Thread-safe, as {@code OrtSession.run} is.
 */
final class OrtVariant implements CompiledVariant {
  private final VariantKey key;
  private final OrtEnvironment env;
  private final OrtBackend.Opened model;
  private final VariantArtifacts artifacts;

  OrtVariant(VariantKey key, OrtEnvironment env, OrtBackend.Opened model,
      VariantArtifacts artifacts) {
    this.key = key;
    this.env = env;
    this.model = model;
    this.artifacts = artifacts;
  }

  @Override
  public VariantKey key() {
    return key;
  }

  /** A readable listing of ORT's optimised model: what runs. */
  @Override
  public String source() {
    return model.dump();
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
        feeds.put(e.getKey(), OrtTensors.toOrt(env, e.getKey(), e.getValue()));
      }
      try (OrtSession.Result result = model.session().run(feeds)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          out.put(e.getKey(), OrtTensors.fromOrt(e.getKey(), e.getValue()));
        }
        return out;
      }
    } catch (OrtException e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED,
          "ONNX Runtime failed to run variant " + key.inputShapes() + " of graph "
              + key.graphHash() + ": " + e.getMessage(),
          "check the inputs against the model's declared types and shapes", e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public VariantArtifacts artifacts() {
    return artifacts;
  }
}
