package dev.ember.executor.dispatch;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which axes of each graph input and output are the batch and the sequence, read from the graph's
 * symbolic dim names: level 3 pads inputs along them and slices outputs back along them. The
 * symbols are named by {@link CompileOptions#batchDim()}/{@link CompileOptions#seqDim()}, or
 * detected: the one symbol at axis 0 of the inputs is the batch, the one symbol at axis 1 of the
 * rank-2+ inputs (other than the batch) is the sequence. Either may be absent (a graph with static
 * inputs has neither). Every other dim must be fixed, or level 3 cannot capture static shapes.
 */
final class PadAxes {
  /** The batch axis (-1: none) and the sequence axes of one value. */
  record Axes(int batch, int[] seq) {
    boolean none() {
      return batch < 0 && seq.length == 0;
    }
  }

  final String batchSym;
  final String seqSym;
  final Map<String, Axes> inputs;
  final Map<String, Axes> outputs;

  private PadAxes(
      String batchSym, String seqSym, Map<String, Axes> inputs, Map<String, Axes> outputs) {
    this.batchSym = batchSym;
    this.seqSym = seqSym;
    this.inputs = Collections.unmodifiableMap(inputs);
    this.outputs = Collections.unmodifiableMap(outputs);
  }

  /**
   * Reads the axes of {@code original}'s inputs and of {@code simplified}'s outputs (shape
   * inference has run there, so outputs carry the input symbols).
   *
   * @throws dev.ember.executor.errors.EmberException MODEL_UNSUPPORTED when a dim is symbolic but
   *     neither batch nor seq, or batch/seq cannot be told apart
   */
  static PadAxes detect(Graph original, Graph simplified, CompileOptions o) {
    String batch =
        o.batchDim() != null ? o.batchDim() : only(original, "batch", symbolsAt(original, 0));
    TreeSet<String> seqs = symbolsAt(original, 1);
    if (batch != null) {
      seqs.remove(batch);
    }
    String seq = o.seqDim() != null ? o.seqDim() : only(original, "seq", seqs);
    Map<String, Axes> in = new LinkedHashMap<>();
    for (ValueInfo v : original.inputs()) {
      in.put(v.name(), axes(original, v, "input", batch, seq));
    }
    Map<String, Axes> out = new LinkedHashMap<>();
    for (ValueInfo v : simplified.outputs()) {
      out.put(v.name(), axes(original, v, "output", batch, seq));
    }
    if (o.batchDim() != null && in.values().stream().noneMatch(a -> a.batch() >= 0)) {
      throw unsupported(original, "no input has the batch dim '" + batch + "'");
    }
    if (o.seqDim() != null && in.values().stream().noneMatch(a -> a.seq().length > 0)) {
      throw unsupported(original, "no input has the seq dim '" + seq + "'");
    }
    return new PadAxes(batch, seq, in, out);
  }

  /** The distinct symbols at {@code axis} of inputs of rank > axis (axis 1: rank >= 2 only). */
  private static TreeSet<String> symbolsAt(Graph g, int axis) {
    TreeSet<String> syms = new TreeSet<>();
    for (ValueInfo in : g.inputs()) {
      Shape s = in.type().shape();
      if (s.rankKnown() && s.rank() > axis) {
        if (s.dim(axis) instanceof Dim.Symbolic sym) {
          syms.add(sym.name());
        }
      }
    }
    return syms;
  }

  private static String only(Graph g, String role, TreeSet<String> syms) {
    if (syms.size() > 1) {
      throw unsupported(
          g, "the inputs disagree on which symbolic dim is the " + role + ": " + syms);
    }
    return syms.isEmpty() ? null : syms.first();
  }

  private static Axes axes(Graph g, ValueInfo v, String kind, String batch, String seq) {
    Shape s = v.type().shape();
    if (!s.rankKnown()) {
      throw unsupported(g, kind + " '" + v.name() + "' has unknown rank");
    }
    int b = -1;
    List<Integer> seqAxes = new ArrayList<>();
    for (int i = 0; i < s.rank(); i++) {
      if (!(s.dim(i) instanceof Dim.Symbolic sym)) {
        continue;
      }
      if (sym.name().equals(batch) && b < 0) {
        b = i;
      } else if (sym.name().equals(seq)) {
        seqAxes.add(i);
      } else {
        throw unsupported(
            g,
            kind
                + " '"
                + v.name()
                + "' ("
                + v.type()
                + ") has dim '"
                + sym.name()
                + "' on axis "
                + i
                + ", which is neither the batch ("
                + batch
                + ") nor the seq ("
                + seq
                + ")");
      }
    }
    return new Axes(b, seqAxes.stream().mapToInt(Integer::intValue).toArray());
  }

  private static RuntimeException unsupported(Graph g, String why) {
    return Errors.of(
        ErrorCode.MODEL_UNSUPPORTED,
        "compile level 3 cannot capture graph '"
            + g.name()
            + "': "
            + why
            + "; level 3 pads only a batch dim and a sequence dim and needs every other dim fixed",
        "name the batch and seq dims in CompileOptions (batchDim, seqDim), or use compile level 1"
            + " or 2");
  }
}
