package dev.ember.executor.predict;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.passes.ShapeInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a graph takes and gives, row by row: each input and output with its element type and the
 * shape of one row. A graph is batchable when every input has the same symbolic dim on axis 0 (the
 * batch, which the compile wrapper captures sizes on) and every other input dim is fixed, except at
 * most one more symbol, the sequence (bucketed like token length). Every output must carry the
 * batch on axis 0 too, so its rows can be split back.
 *
 * <pre>{@code
 * ModelSignature s = ModelSignature.of(model.graph());
 * s.input("float_input").rowDims();   // [13]
 * s.output("output").dtype();         // FLOAT
 * }</pre>
 */
public final class ModelSignature {
  private final String source;
  private final String batchSymbol;
  private final String seqSymbol;
  private final List<Port> inputs;
  private final List<Port> outputs;

  private ModelSignature(
      String source, String batch, String seq, List<Port> inputs, List<Port> outputs) {
    this.source = source;
    this.batchSymbol = batch;
    this.seqSymbol = seq;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
  }

  /**
   * Reads the signature of {@code graph} (outputs as shape inference finds them, where it can).
   *
   * @throws EmberException MODEL_UNSUPPORTED naming the input or output and dim that cannot be
   *     batched, and what to re-export
   */
  public static ModelSignature of(Graph graph) {
    String source = graph.name();
    if (graph.inputs().isEmpty()) {
      throw notBatchable(source, "the graph has no inputs");
    }
    TreeSet<String> batchSyms = new TreeSet<>();
    for (ValueInfo in : graph.inputs()) {
      Shape s = in.type().shape();
      if (!s.rankKnown()) {
        throw notBatchable(source, "input '" + in.name() + "' has unknown rank");
      }
      if (s.rank() == 0) {
        throw notBatchable(source, "input '" + in.name() + "' is a scalar, with no batch axis");
      }
      Dim d0 = s.dim(0);
      if (d0 instanceof Dim.Fixed f) {
        throw notBatchable(source, "input '" + in.name() + "' (" + in.type() + ") has a fixed dim 0"
            + " of " + f.value() + ", so rows cannot be stacked along it");
      }
      batchSyms.add(((Dim.Symbolic) d0).name());
    }
    if (batchSyms.size() > 1) {
      throw notBatchable(source, "the inputs name their dim 0 differently " + batchSyms
          + ", so no one dim is the batch");
    }
    String batch = batchSyms.first();
    TreeSet<String> others = new TreeSet<>();
    for (ValueInfo in : graph.inputs()) {
      Shape s = in.type().shape();
      for (int i = 1; i < s.rank(); i++) {
        if (s.dim(i) instanceof Dim.Symbolic sym) {
          if (sym.name().equals(batch)) {
            throw notBatchable(source, "input '" + in.name() + "' has the batch dim '" + batch
                + "' again on axis " + i);
          }
          others.add(sym.name());
        }
      }
    }
    if (others.size() > 1) {
      throw notBatchable(source, "the inputs have " + others.size() + " symbolic dims besides the"
          + " batch " + others + "; one sequence dim can vary per row, every other must be fixed");
    }
    String seq = others.isEmpty() ? null : others.first();
    List<Port> ins = new ArrayList<>();
    for (ValueInfo in : graph.inputs()) {
      ins.add(new Port(in.name(), in.type().dtype(), in.type().shape(),
          Port.rowDimsOf(in.type().shape(), seq)));
    }
    List<Port> outs = new ArrayList<>();
    for (ValueInfo out : inferredOutputs(graph)) {
      Shape s = out.type().shape();
      if (s.rankKnown() && (s.rank() == 0 || s.dim(0) instanceof Dim.Fixed)) {
        throw notBatchable(source, "output '" + out.name() + "' (" + out.type() + ") does not"
            + " carry the batch on axis 0, so its rows cannot be split back");
      }
      int[] rowDims = s.rankKnown() ? Port.rowDimsOf(s, seq) : null;
      outs.add(new Port(out.name(), out.type().dtype(), s, rowDims));
    }
    return new ModelSignature(source, batch, seq, ins, outs);
  }

  /** The graph's inputs, in its order. */
  public List<Port> inputs() {
    return inputs;
  }

  /** The graph's outputs, in its order. */
  public List<Port> outputs() {
    return outputs;
  }

  /** The input named {@code name}, if the graph has one. */
  public Optional<Port> input(String name) {
    return inputs.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** The output named {@code name}, if the graph has one. */
  public Optional<Port> output(String name) {
    return outputs.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** The symbol of the batch dim. */
  public String batchSymbol() {
    return batchSymbol;
  }

  /** The symbol of the sequence dim, when an input has one. */
  public Optional<String> seqSymbol() {
    return Optional.ofNullable(seqSymbol);
  }

  /** The graph (model) this signature was read from, for messages. */
  public String source() {
    return source;
  }

  /** One line per input and output, for logs and explain. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("signature of '" + source + "':");
    for (Port p : inputs) {
      b.append("\n  in  ").append(p.describe());
    }
    for (Port p : outputs) {
      b.append("\n  out ").append(p.describe());
    }
    return b.toString();
  }

  private static List<ValueInfo> inferredOutputs(Graph graph) {
    try {
      return ShapeInference.run(graph).outputs();
    } catch (EmberException e) {
      return graph.outputs(); // inference is advisory; the forward pass checks the real shapes
    }
  }

  private static EmberException notBatchable(String source, String why) {
    return Errors.of(ErrorCode.MODEL_UNSUPPORTED,
        "model '" + source + "' cannot be run in batches: " + why,
        "export the model with a dynamic batch axis on dim 0 of every input and output (e.g."
            + " torch.onnx.export(..., dynamic_axes={'input': {0: 'batch'}, ...})) and every other"
            + " dim fixed, except at most one sequence dim");
  }
}
