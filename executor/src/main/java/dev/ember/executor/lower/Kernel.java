package dev.ember.executor.lower;

import dev.ember.executor.ir.Node;
import java.util.List;

/**
 * One unit of work of a lowered graph: a fused loop, a row kernel, a GEMM call, a data copy, a
 * view, or a node run by its reference kernel. Kernels run in list order; every kernel's inputs
 * are graph inputs, initializers or outputs of earlier kernels.
 */
public sealed interface Kernel
    permits Kernel.Elementwise,
        Kernel.Row,
        Kernel.MatMul,
        Kernel.GemmGroup,
        Kernel.Gather,
        Kernel.Transpose,
        Kernel.Attention,
        Kernel.View,
        Kernel.ShapeOf,
        Kernel.Fallback {

  /** The graph nodes this kernel computes, in topological order. */
  List<Node> nodes();

  /** The value this kernel produces (kernels have one output each). */
  String output();

  /** Short label for explanations and generated comments. */
  String label();

  /**
   * Values that live inside {@link #output()}'s buffer rather than in buffers of their own (the
   * column blocks of a {@link GemmGroup}); empty for most kernels.
   */
  default List<String> parts() {
    return List.of();
  }

  /**
   * A chain or tree of elementwise nodes computed in one loop over {@code output}'s elements;
   * every intermediate value is read only inside the group.
   */
  record Elementwise(List<Node> nodes, String output) implements Kernel {
    public Elementwise {
      nodes = List.copyOf(nodes);
    }

    @Override
    public String label() {
      return "elementwise[" + nodes.size() + "]";
    }
  }

  /** What a row kernel does with each row (last axis) of its input. */
  enum RowOp {
    SOFTMAX,
    LAYER_NORM,
    REDUCE_MEAN,
    REDUCE_SUM
  }

  /**
   * A kernel over the rows (last axis) of {@code x}: softmax, layer norm (with optional 1-D
   * {@code scale} and {@code bias} initializers) or a mean/sum reduction. {@code prologue} holds
   * elementwise nodes that compute x on the fly (empty when x is read as is).
   */
  record Row(
      RowOp op,
      List<Node> prologue,
      String x,
      List<Node> body,
      String output,
      double epsilon,
      String scale,
      String bias)
      implements Kernel {
    public Row {
      prologue = List.copyOf(prologue);
      body = List.copyOf(body);
    }

    @Override
    public List<Node> nodes() {
      java.util.ArrayList<Node> all = new java.util.ArrayList<>(prologue);
      all.addAll(body);
      return all;
    }

    @Override
    public String label() {
      return op.name().toLowerCase() + (prologue.isEmpty() ? "" : "+prologue[" + prologue.size()
          + "]");
    }
  }

  /**
   * MatMul or Gemm on a GEMM: {@code weights} true when B is a 2-D initializer (prepared once,
   * A's leading dims fold into M); otherwise batched over equal leading dims. Gemm adds
   * alpha, beta, transposes and the bias C. {@code biasAdd}, when not null, is an Add of a bias
   * that {@link Fusions#gemmBias} folded into the GEMM (then C is that bias, beta 1, and the
   * kernel's output is the Add's). {@code epilogue}, when not empty, is an elementwise chain of
   * one variable (GELU, say) that {@link Fusions#gemmEpilogue} folded in: the GEMM applies it to
   * each output element before the store, and the kernel's output is the chain's last node's.
   */
  record MatMul(
      Node node,
      String a,
      String b,
      String c,
      boolean weights,
      boolean transA,
      boolean transB,
      float alpha,
      float beta,
      Node biasAdd,
      List<Node> epilogue)
      implements Kernel {
    public MatMul {
      epilogue = List.copyOf(epilogue);
    }

    public MatMul(Node node, String a, String b, String c, boolean weights, boolean transA,
        boolean transB, float alpha, float beta) {
      this(node, a, b, c, weights, transA, transB, alpha, beta, null, List.of());
    }

    /** This GEMM with {@code chain} applied to each output element before the store. */
    public MatMul withEpilogue(List<Node> chain) {
      return new MatMul(node, a, b, c, weights, transA, transB, alpha, beta, biasAdd, chain);
    }

    @Override
    public List<Node> nodes() {
      java.util.ArrayList<Node> all = new java.util.ArrayList<>();
      all.add(node);
      if (biasAdd != null) {
        all.add(biasAdd);
      }
      all.addAll(epilogue);
      return all;
    }

    /** The product as the epilogue reads it: after the bias, before the chain. */
    public String product() {
      return (biasAdd == null ? node : biasAdd).outputs().get(0);
    }

    @Override
    public String output() {
      return epilogue.isEmpty() ? product() : epilogue.get(epilogue.size() - 1).outputs().get(0);
    }

    @Override
    public String label() {
      return (weights ? "gemm(weights)" : "gemm(batched)") + (biasAdd == null ? "" : "+bias")
          + (epilogue.isEmpty() ? "" : "+epilogue[" + epilogue.size() + "]");
    }
  }

  /**
   * Weight GEMMs of one input computed as one, found by {@link Fusions#gemmGroups}: {@code
   * merged} multiplies the shared input by the members' weights (and adds their biases) laid
   * side by side, so its output row holds every member's row, member i's in columns {@code
   * offsets[i]} onward. Each member's product is a {@link #parts() part} of that output: a
   * column block with the merged row stride, which only kernels that take a row stride read
   * (attention's Q, K and V). One launch instead of several, and a wider GEMM that fills the
   * device where each member alone would leave it idle.
   */
  record GemmGroup(MatMul merged, List<MatMul> members, int[] offsets) implements Kernel {
    public GemmGroup {
      members = List.copyOf(members);
      offsets = offsets.clone();
    }

    @Override
    public List<Node> nodes() {
      java.util.ArrayList<Node> all = new java.util.ArrayList<>();
      members.forEach(m -> all.addAll(m.nodes()));
      return all;
    }

    @Override
    public String output() {
      return merged.output();
    }

    @Override
    public List<String> parts() {
      return members.stream().map(MatMul::output).toList();
    }

    @Override
    public String label() {
      return "gemm(weights)" + (merged.c() == null ? "" : "+bias") + "[x" + members.size() + "]";
    }
  }

  /** Gather along axis 0 of float data with integer indices (embedding lookup). */
  record Gather(Node node) implements Kernel {
    @Override
    public List<Node> nodes() {
      return List.of(node);
    }

    @Override
    public String output() {
      return node.outputs().get(0);
    }

    @Override
    public String label() {
      return "gather";
    }
  }

  /** A generated copy that permutes axes. */
  record Transpose(Node node, int[] perm) implements Kernel {
    @Override
    public List<Node> nodes() {
      return List.of(node);
    }

    @Override
    public String output() {
      return node.outputs().get(0);
    }

    @Override
    public String label() {
      return "transpose" + java.util.Arrays.toString(perm);
    }
  }

  /**
   * Multi-head attention found by {@link Fusions#attention}: {@code q}, {@code k} and {@code v}
   * are {@code [batch, seq, heads, headDim]} (the projections before their head transposes);
   * per batch and head, scores = q k^T, then {@code scoreOps} (elementwise nodes: scale, mask)
   * compute softmax's input from {@code scores}, and the output is softmax(...) v, written
   * {@code [batch, seq, heads, headDim]} (the layout after the context transpose). {@code nodes}
   * are every graph node it replaces.
   */
  record Attention(
      List<Node> nodes, String q, String k, String v, String scores, List<Node> scoreOps,
      String softmaxInput, String output)
      implements Kernel {
    public Attention {
      nodes = List.copyOf(nodes);
      scoreOps = List.copyOf(scoreOps);
    }

    @Override
    public String label() {
      return "attention";
    }
  }

  /** Reshape, Squeeze, Unsqueeze, Flatten or Identity: same elements, new shape, no copy. */
  record View(Node node) implements Kernel {
    @Override
    public List<Node> nodes() {
      return List.of(node);
    }

    @Override
    public String output() {
      return node.outputs().get(0);
    }

    @Override
    public String label() {
      return "view";
    }
  }

  /** Shape: the runtime shape of a value as an int64 tensor. */
  record ShapeOf(Node node) implements Kernel {
    @Override
    public List<Node> nodes() {
      return List.of(node);
    }

    @Override
    public String output() {
      return node.outputs().get(0);
    }

    @Override
    public String label() {
      return "shape";
    }
  }

  /** A node run through its reference kernel; {@code reason} says why no code was generated. */
  record Fallback(Node node, String reason) implements Kernel {
    @Override
    public List<Node> nodes() {
      return List.of(node);
    }

    @Override
    public String output() {
      return node.outputs().isEmpty() ? "" : node.outputs().get(0);
    }

    @Override
    public String label() {
      return "fallback";
    }
  }
}
