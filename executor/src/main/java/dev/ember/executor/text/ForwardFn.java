package dev.ember.executor.text;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import java.util.Map;

/**
 * One forward pass of a model: graph input name to tensor in, graph output name to tensor out.
 * {@link SentenceEmbedder} depends only on this, so a compiled backend (levels 1-3) can replace the
 * level-0 interpreter without touching the text pipeline. Implementations must be safe to call from
 * many threads at once.
 *
 * <pre>{@code
 * ForwardFn f = ForwardFn.interpreter(model.graph());
 * Map<String, Tensor> out = f.forward(Map.of("input_ids", ids, "attention_mask", mask));
 * }</pre>
 */
@FunctionalInterface
public interface ForwardFn {

  /** Runs the model on {@code feeds} and returns its outputs by name. */
  Map<String, Tensor> forward(Map<String, Tensor> feeds);

  /**
   * Compile level 0: Ember's reference {@link Interpreter} over the standard op registry. Resolves
   * every op now, so an unsupported op fails here with UNSUPPORTED_OP.
   */
  static ForwardFn interpreter(Graph graph) {
    Interpreter interp = new Interpreter(graph, OpRegistry.standard());
    return interp::run;
  }

  /** Compile levels 0-3: the forward pass through {@code wrapper}'s {@link CompileWrapper#call}. */
  static ForwardFn compiled(CompileWrapper wrapper) {
    return wrapper::call;
  }
}
