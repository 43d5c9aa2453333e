package dev.ember.executor.ops.math;

import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Builds single nodes for an op and runs its kernel or its type inference directly. */
final class OpHarness {
  private OpHarness() {}

  static Node node(OpDef op, int opset, int inputs, Map<String, AttrValue> attrs) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      names.add("in" + i);
    }
    return new Node(
        op.spec().opType() + "_0",
        op.spec().opType(),
        "",
        opset,
        names,
        List.of("out"),
        Attributes.of(attrs));
  }

  /** Runs the kernel at the op's newest opset with no attributes; returns output 0. */
  static Tensor run(OpDef op, Tensor... inputs) {
    return run(op, latest(op), Map.of(), inputs);
  }

  static Tensor run(OpDef op, int opset, Map<String, AttrValue> attrs, Tensor... inputs) {
    Node n = node(op, opset, inputs.length, attrs);
    return op.evaluate(new KernelContext(n, Arrays.asList(inputs))).get(0);
  }

  /** Infers output 0's type from input types (null = unknown), with no constants. */
  static TensorType infer(OpDef op, TensorType... types) {
    return infer(op, latest(op), Map.of(), types);
  }

  static TensorType infer(OpDef op, int opset, Map<String, AttrValue> attrs, TensorType... types) {
    Node n = node(op, opset, types.length, attrs);
    List<Tensor> constants = Arrays.asList(new Tensor[types.length]);
    return op.inferTypes(new TypeContext(n, Arrays.asList(types), constants)).get(0);
  }

  static int latest(OpDef op) {
    List<Integer> v = op.spec().sinceVersions();
    return v.get(v.size() - 1);
  }

  static Tensor floats(int[] shape, float... v) {
    return Tensor.ofFloats(shape, v.clone());
  }

  static Tensor longs(dev.ember.executor.ir.DType t, int[] shape, long... v) {
    return Tensor.ofLongs(t, shape, v.clone());
  }

  static int[] shape(int... dims) {
    return dims;
  }
}
