package dev.ember.executor.backend.interp;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphPrinter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import java.util.Map;

/** The interpreter as a {@link Backend}: level 0, and the oracle compiled backends match. */
public final class InterpBackend implements Backend {
  public static final String NAME = "interp";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompiledVariant compile(Graph graph, VariantKey key) {
    Interpreter interp = new Interpreter(graph, OpRegistry.standard());
    String source = GraphPrinter.print(graph);
    return new CompiledVariant() {
      @Override
      public VariantKey key() {
        return key;
      }

      @Override
      public String source() {
        return source;
      }

      @Override
      public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return interp.run(inputs);
      }

      @Override
      public VariantArtifacts artifacts() {
        return VariantArtifacts.none();
      }
    };
  }

  @Override
  public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
    return compile(graph, key); // nothing to load: interpreting is instant
  }
}
