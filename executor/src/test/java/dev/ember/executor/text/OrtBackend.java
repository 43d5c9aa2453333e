package dev.ember.executor.text;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.Map;

/**
 * A test backend whose every variant runs ONNX Runtime on the whole model, whatever graph it is
 * given: under a level-3 {@code CompileWrapper} it sees exactly the padded inputs Ember's own
 * variants see, which a model whose result depends on the batch (dynamic quantization takes its
 * range over the whole tensor, padding included) needs for a like-for-like reference.
 */
final class OrtBackend implements Backend {
  private final ForwardFn ort;

  OrtBackend(OrtReference ort) {
    this.ort = ort.asForwardFn();
  }

  @Override
  public String name() {
    return "onnxruntime";
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    return new CompiledVariant() {
      @Override
      public VariantKey key() {
        return key;
      }

      @Override
      public String source() {
        return "onnxruntime session";
      }

      @Override
      public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return ort.forward(inputs);
      }

      @Override
      public VariantArtifacts artifacts() {
        return VariantArtifacts.none();
      }
    };
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    return compile(graph, key);
  }
}
