package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import java.util.Map;

/** Graphs that mix ops with CUDA kernels and ops without (Clip, Greater, Concat, Not). */
final class HostStepModels {
  private HostStepModels() {}

  /**
   * {@code h = x [batch, hidden] @ W [hidden, width]} on the device; Clip(h) and Greater(h, 0.1)
   * on the host; {@code Where(h > 0.1, clip(h), relu(h))} on the device reading the host's bool
   * mask; Concat(that, x) on the host, straight into the output {@code z [batch, width + hidden]}.
   * Three of the six compute nodes have no CUDA kernel.
   */
  static Graph mixed(int hidden, int width) {
    Tensor w = TestModels.randomFloats(new int[] {hidden, width}, 11);
    return TestModels.graph(TestModels.builder("mixed")
        .input("x", DType.FLOAT, "batch", hidden)
        .output("z", DType.FLOAT, "batch", width + hidden)
        .initializer("w", w)
        .initializer("lo", scalar(-0.5f))
        .initializer("hi", scalar(0.5f))
        .initializer("thr", scalar(0.1f))
        .node("MatMul", List.of("x", "w"), List.of("h"))
        .namedNode("clip", "Clip", List.of("h", "lo", "hi"), List.of("c"))
        .namedNode("greater", "Greater", List.of("h", "thr"), List.of("m"))
        .node("Relu", List.of("h"), List.of("r"))
        .node("Where", List.of("m", "c", "r"), List.of("y"))
        .namedNode("concat", "Concat", List.of("y", "x"), List.of("z"),
            TestModels.intAttr("axis", 1))
        .build());
  }

  /**
   * Mostly host work: {@code x [batch, n] -> Relu -> Clip -> Concat(c, c) -> Greater -> Not}, of
   * which only Relu has a CUDA kernel.
   */
  static Graph mostlyHost(int n) {
    return TestModels.graph(TestModels.builder("mostly_host")
        .input("x", DType.FLOAT, "batch", n)
        .output("flags", DType.BOOL, "batch", 2 * n)
        .initializer("lo", scalar(-0.5f))
        .initializer("hi", scalar(0.5f))
        .initializer("thr", scalar(0.1f))
        .node("Relu", List.of("x"), List.of("r"))
        .node("Clip", List.of("r", "lo", "hi"), List.of("c"))
        .node("Concat", List.of("c", "c"), List.of("cc"), TestModels.intAttr("axis", 1))
        .node("Greater", List.of("cc", "thr"), List.of("g"))
        .node("Not", List.of("g"), List.of("flags"))
        .build());
  }

  private static Tensor scalar(float v) {
    return Tensor.ofFloats(new int[] {}, new float[] {v});
  }

  /** {@code g} with its batch fixed at {@code rows} (the other dims are fixed already). */
  static Graph at(Graph g, int rows, int width) {
    return Specializer.specialize(g, Map.of("x", new int[] {rows, width}));
  }

  static Map<String, Tensor> feeds(int rows, int width, long seed) {
    return Map.of("x", TestModels.randomFloats(new int[] {rows, width}, seed));
  }
}
