package dev.ember.bench;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A backend that computes nothing: every variant returns zeros of its graph's static output
 * shapes. Run under a level-3 wrapper with the real options, it shows which captured (batch, seq)
 * variants a workload dispatches (the wrapper's stats), in seconds rather than a full pass, so the
 * warm-up can compile exactly those. Thread-safe.
 */
final class ShapeProbe implements Backend {
  @Override
  public String name() {
    return "shape-probe";
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (ValueInfo out : graph.outputs()) {
      Shape s = out.type().shape();
      int[] dims = new int[s.rank()];
      for (int d = 0; d < dims.length; d++) {
        Dim dim = s.dim(d);
        if (!dim.isFixed()) {
          throw new IllegalStateException(
              "shape probe: output '" + out.name() + "' of variant " + key.canonical()
                  + " has a symbolic dim; only level-3 (static) variants can be probed");
        }
        dims[d] = Math.toIntExact(dim.size());
      }
      shapes.put(out.name(), dims);
    }
    return new Zeros(key, shapes);
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    throw new UnsupportedOperationException("shape probe variants are never cached");
  }

  private record Zeros(VariantKey key, Map<String, int[]> shapes) implements CompiledVariant {
    @Override
    public String source() {
      return "// shape probe: returns zeros";
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      shapes.forEach((name, dims) -> out.put(name, Tensor.zeros(DType.FLOAT, dims)));
      return out;
    }

    @Override
    public VariantArtifacts artifacts() {
      return VariantArtifacts.none();
    }
  }
}
