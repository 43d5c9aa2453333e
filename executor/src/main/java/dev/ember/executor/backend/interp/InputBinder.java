package dev.ember.executor.backend.interp;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks run inputs against the graph's declared inputs: every input given, no unknown names,
 * element types equal, ranks and fixed sizes equal, and each symbolic dimension (such as
 * {@code batch}) bound to one size across all inputs.
 */
public final class InputBinder {
  private InputBinder() {}

  /** Returns the sizes bound to each symbolic dimension, or throws BAD_INPUT. */
  public static Map<String, Long> check(Graph g, Map<String, Tensor> feeds) {
    for (String name : feeds.keySet()) {
      if (g.inputs().stream().noneMatch(in -> in.name().equals(name))) {
        throw Errors.of(
            ErrorCode.BAD_INPUT,
            "input '" + name + "' is not an input of graph '" + g.name() + "' (inputs: "
                + names(g) + ")",
            "feed only the graph's inputs");
      }
    }
    Map<String, Long> bound = new HashMap<>();
    Map<String, String> boundBy = new HashMap<>();
    for (ValueInfo in : g.inputs()) {
      Tensor t = feeds.get(in.name());
      if (t == null) {
        throw Errors.of(
            ErrorCode.BAD_INPUT,
            "input '" + in.name() + "' (" + in.type() + ") is missing; given: " + feeds.keySet(),
            "feed every graph input: " + names(g));
      }
      TensorType want = in.type();
      if (t.dtype() != want.dtype()) {
        throw mismatch(in, t, "element type " + t.dtype().onnxLowerName());
      }
      Shape s = want.shape();
      if (!s.rankKnown()) {
        continue;
      }
      if (s.rank() != t.rank()) {
        throw mismatch(in, t, "rank " + t.rank());
      }
      for (int i = 0; i < s.rank(); i++) {
        Dim d = s.dim(i);
        long size = t.dim(i);
        if (d instanceof Dim.Fixed f && f.value() != size) {
          throw mismatch(in, t, "size " + size + " on axis " + i);
        }
        if (d instanceof Dim.Symbolic sym) {
          Long prev = bound.putIfAbsent(sym.name(), size);
          if (prev != null && prev != size) {
            throw Errors.of(
                ErrorCode.BAD_INPUT,
                "dimension '" + sym.name() + "' is " + prev + " in input '"
                    + boundBy.get(sym.name()) + "' but " + size + " in input '" + in.name() + "'",
                "give all inputs the same '" + sym.name() + "' size");
          }
          boundBy.putIfAbsent(sym.name(), in.name());
        }
      }
    }
    return bound;
  }

  private static RuntimeException mismatch(ValueInfo in, Tensor t, String what) {
    return Errors.of(
        ErrorCode.BAD_INPUT,
        "input '" + in.name() + "' expects " + in.type() + " but got "
            + t.dtype().onnxLowerName() + Arrays.toString(t.shape()) + " (" + what + ")",
        "reshape or cast the input to the model's declared type");
  }

  private static String names(Graph g) {
    StringBuilder sb = new StringBuilder();
    for (ValueInfo in : g.inputs()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(in.name()).append(' ').append(in.type());
    }
    return sb.toString();
  }
}
