package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.ops.ml.TreeCodegen;

/**
 * Compiles tree ensemble nodes, which lowering leaves to reference kernels, into generated code:
 * each becomes a nested class ({@link TreeCodegen}) that the kernel calls in place of
 * {@code rt.fallback}. Nodes {@link TreeCodegen#whyNot} refuses stay on their reference kernel.
 */
final class CpuTreeEmitter {
  private final CpuCodegen cg;
  private int forests;

  CpuTreeEmitter(CpuCodegen cg) {
    this.cg = cg;
  }

  /** Why {@code n} runs on its reference kernel in this backend, or null when it is generated. */
  static String whyNot(Node n, TensorType x) {
    return TreeCodegen.whyNot(n, x == null ? null : x.dtype());
  }

  /** Emits the call of {@code k}'s generated forest and returns true, or false to fall back. */
  boolean emit(JavaWriter w, Kernel.Fallback k) {
    Node n = k.node();
    if (!TreeCodegen.isTreeOp(n) || n.inputs().isEmpty() || n.input(0).isEmpty()) {
      return false;
    }
    TensorType x = cg.type(n.input(0));
    if (whyNot(n, x) != null) {
      return false;
    }
    String name = "Forest" + forests++;
    cg.addMember(TreeCodegen.nestedClass(n, x.dtype(), name));
    String r = cg.freshLocal("r");
    w.line("Tensor[] " + r + " = " + name + ".run(" + cg.tensorOf(n.input(0)) + ");");
    for (int o = 0; o < n.outputs().size(); o++) {
      String out = n.outputs().get(o);
      if (!out.isEmpty()) {
        w.line("f.t[" + cg.index(out) + "] = " + r + "[" + o + "];");
      }
    }
    return true;
  }
}
