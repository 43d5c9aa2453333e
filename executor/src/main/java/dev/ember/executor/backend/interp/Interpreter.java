package dev.ember.executor.backend.interp;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compile level 0: runs a graph node by node with the ops' reference kernels. It is the oracle
 * every compiled backend is checked against. Construction resolves every op (so an unsupported
 * op fails before any data is touched); {@link #run} is thread-safe and keeps no state.
 *
 * <pre>{@code
 * Interpreter interp = new Interpreter(model.graph(), OpRegistry.standard());
 * Map<String, Tensor> out = interp.run(Map.of("x", x));
 * }</pre>
 */
public final class Interpreter {
  private final Graph graph;
  private final OpDef[] kernels;
  private final List<List<String>> releaseAfter;

  public Interpreter(Graph graph, OpRegistry registry) {
    this.graph = graph;
    this.kernels = new OpDef[graph.nodes().size()];
    for (int i = 0; i < kernels.length; i++) {
      kernels[i] = registry.lookup(graph.nodes().get(i));
    }
    this.releaseAfter = LastUse.releaseSchedule(graph);
  }

  public Graph graph() {
    return graph;
  }

  /**
   * Runs the graph on {@code feeds} (graph input name to value) and returns the graph outputs in
   * declaration order. Throws BAD_INPUT for missing, unknown or mis-shaped inputs and a
   * node-naming error for any failure inside an op.
   */
  public Map<String, Tensor> run(Map<String, Tensor> feeds) {
    InputBinder.check(graph, feeds);
    Map<String, Tensor> env = new HashMap<>(graph.initializers());
    env.putAll(feeds);
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      List<Tensor> inputs = new ArrayList<>(node.inputs().size());
      for (String in : node.inputs()) {
        inputs.add(in.isEmpty() ? null : env.get(in));
      }
      List<Tensor> outputs = invoke(kernels[i], node, inputs);
      for (int k = 0; k < node.outputs().size(); k++) {
        String name = node.outputs().get(k);
        if (!name.isEmpty() && k < outputs.size() && outputs.get(k) != null) {
          env.put(name, outputs.get(k));
        }
      }
      for (String dead : releaseAfter.get(i)) {
        env.remove(dead);
      }
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (ValueInfo out : graph.outputs()) {
      Tensor t = env.get(out.name());
      if (t == null) {
        throw Errors.graphInvalid(graph.name(), "graph output '" + out.name() + "' was not computed");
      }
      result.put(out.name(), t);
    }
    return result;
  }

  /**
   * Runs one kernel, turning any failure into an error that names the node and input shapes; the
   * CUDA backend's host steps run their nodes through it too.
   */
  public static List<Tensor> invoke(OpDef op, Node node, List<Tensor> inputs) {
    try {
      List<Tensor> out = op.evaluate(new KernelContext(node, inputs));
      for (int k = 0; k < node.outputs().size(); k++) {
        if (!node.outputs().get(k).isEmpty() && (k >= out.size() || out.get(k) == null)) {
          throw new OpException(
              ErrorCode.UNSUPPORTED_OP,
              "the node asks for output #" + k + ", which Ember's " + node.opType()
                  + " does not produce",
              "remove the unused output from the model");
        }
      }
      return out;
    } catch (OpException e) {
      throw Errors.atNode(
          e.code(), node.describe(), e.getMessage() + "; inputs " + describe(node, inputs),
          e.fix(), e);
    } catch (EmberException e) {
      throw e;
    } catch (OutOfMemoryError e) {
      throw Errors.atNode(
          ErrorCode.KERNEL_FAILED, node.describe(),
          "ran out of memory; inputs " + describe(node, inputs),
          "use smaller batches or give the JVM more heap (-Xmx)", e);
    } catch (RuntimeException e) {
      throw Errors.atNode(
          ErrorCode.KERNEL_FAILED, node.describe(),
          "failed with " + e + "; inputs " + describe(node, inputs),
          "check the input values (indices in range, shapes consistent); if they are valid, "
              + "report this as an Ember bug",
          e);
    }
  }

  static String describe(Node node, List<Tensor> inputs) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < inputs.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      String name = node.input(i);
      Tensor t = inputs.get(i);
      sb.append(name.isEmpty() ? "<omitted>" : "'" + name + "' ");
      if (t != null) {
        sb.append(t.dtype().onnxLowerName()).append(java.util.Arrays.toString(t.shape()));
      }
    }
    return sb.append(']').toString();
  }
}
