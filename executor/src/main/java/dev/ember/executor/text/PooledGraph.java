package dev.ember.executor.text;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence encoder's graph with {@link Pooling}'s mean pooling and L2 normalisation appended as
 * graph nodes, so that a compiled forward pass returns one unit vector per row ({@code [batch,
 * hidden]}, output {@link #OUTPUT}) instead of every token's state: on a GPU that copies 1/seq of
 * the bytes to the host and leaves no pooling loop there. The masked sum is a batched product
 * {@code mask[b, 1, s] x hidden[b, s, h]}, which every backend runs as a GEMM; counts and norms
 * are last-axis sums, clamped like {@link Pooling} (1e-9, 1e-12) so an all-padding row gives the
 * zero vector, never NaN.
 *
 * <pre>{@code
 * Graph pooled = PooledGraph.of(model.graph(), "last_hidden_state", "attention_mask");
 * float[] first = wrapper(pooled).call(feeds).get(PooledGraph.OUTPUT).rawFloats();
 * }</pre>
 */
public final class PooledGraph {
  /** The graph output holding the unit vectors. */
  public static final String OUTPUT = "ember_sentence_embedding";

  private static final String P = "ember_pool/";

  private final Graph g;
  private final int opset;
  private final List<Node> nodes;
  private final Map<String, Tensor> inits;

  private PooledGraph(Graph g) {
    this.g = g;
    this.opset = g.opsetImports().getOrDefault("", 13);
    this.nodes = new ArrayList<>(g.nodes());
    this.inits = new LinkedHashMap<>(g.initializers());
  }

  /**
   * {@code g} with its outputs replaced by {@link #OUTPUT}: {@code hidden} ([batch, seq, h], float)
   * mean-pooled over {@code mask} ([batch, seq], any numeric type) and L2-normalised.
   *
   * @throws IllegalArgumentException when {@code hidden} or {@code mask} is missing or mis-ranked
   */
  public static Graph of(Graph g, String hidden, String mask) {
    TensorType ht = typeOf(g, hidden);
    TensorType mt = typeOf(g, mask);
    if (ht == null || ht.shape().rank() != 3 || mt == null || mt.shape().rank() != 2) {
      throw new IllegalArgumentException("pooling needs token states [batch, seq, hidden] and a"
          + " mask [batch, seq], but '" + hidden + "' is " + ht + " and '" + mask + "' is " + mt);
    }
    return new PooledGraph(g).build(hidden, mask, ht, mt);
  }

  private Graph build(String hidden, String mask, TensorType ht, TensorType mt) {
    String maskF = add("Cast", List.of(mask), Map.of("to", new AttrValue.IntAttr(1))); // FLOAT
    String maskRow = unsqueeze(maskF, 1); // [b, 1, s]
    String sum = add("MatMul", List.of(maskRow, hidden), Map.of()); // [b, 1, h]
    String count = reduceSumLast(maskRow); // [b, 1, 1]
    String mean = add("Div", List.of(sum, add("Max", List.of(count, constant("min_count",
        (float) Pooling.MIN_COUNT)), Map.of())), Map.of());
    String squares = add("Mul", List.of(mean, mean), Map.of());
    String norm = add("Sqrt", List.of(reduceSumLast(squares)), Map.of());
    String unit = add("Div", List.of(mean, add("Max", List.of(norm, constant("min_norm",
        (float) Pooling.MIN_NORM)), Map.of())), Map.of());
    Node flatten = new Node(P + "Flatten", "Flatten", "", opset, List.of(unit), List.of(OUTPUT),
        Attributes.of(Map.of("axis", new AttrValue.IntAttr(1))));
    nodes.add(flatten);
    Dim batch = mt.shape().dims().get(0);
    Dim width = ht.shape().dims().get(2);
    List<ValueInfo> outputs = List.of(new ValueInfo(OUTPUT,
        new TensorType(DType.FLOAT, Shape.of(List.of(batch, width)))));
    return g.with(nodes, outputs, inits, g.valueTypes());
  }

  /** The unit vectors of a {@link #OUTPUT} tensor ([rows, hidden] float), one array per row. */
  public static float[][] vectors(Tensor pooled) {
    int width = pooled.dim(1);
    float[] flat = pooled.rawFloats();
    float[][] out = new float[pooled.dim(0)][];
    for (int i = 0; i < out.length; i++) {
      out[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
    }
    return out;
  }

  /** A value's type; graph outputs carry theirs in the output list. */
  private static TensorType typeOf(Graph g, String value) {
    for (ValueInfo o : g.outputs()) {
      if (o.name().equals(value) && o.type() != null) {
        return o.type();
      }
    }
    return g.typeOf(value);
  }

  /** Adds a node with one output and returns the output's name. */
  private String add(String op, List<String> inputs, Map<String, AttrValue> attrs) {
    String name = P + op + "_" + nodes.size();
    String out = name + "_output";
    nodes.add(new Node(name, op, "", opset, inputs, List.of(out), Attributes.of(attrs)));
    return out;
  }

  /** Axes go in an attribute before opset 13 and in an int64 input from 13 on. */
  private String unsqueeze(String x, long axis) {
    return opset >= 13
        ? add("Unsqueeze", List.of(x, axesInit(axis)), Map.of())
        : add("Unsqueeze", List.of(x), Map.of("axes", new AttrValue.IntsAttr(List.of(axis))));
  }

  private String reduceSumLast(String x) {
    AttrValue keep = new AttrValue.IntAttr(1);
    return opset >= 13
        ? add("ReduceSum", List.of(x, axesInit(-1)), Map.of("keepdims", keep))
        : add("ReduceSum", List.of(x), Map.of("axes", new AttrValue.IntsAttr(List.of(-1L)),
            "keepdims", keep));
  }

  private String axesInit(long axis) {
    String name = P + "axes_" + axis;
    inits.put(name, Tensor.int64Vector(axis));
    return name;
  }

  private String constant(String label, float v) {
    String name = P + label;
    inits.put(name, Tensor.scalarFloat(v));
    return name;
  }
}
