package dev.ember.executor.backend.cpu;

import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;

/**
 * A value's shape as generated code sees it: each dim a literal when the type fixes it, else an
 * element of a runtime {@code int[]} expression ({@code expr}), or read from a Tensor expression
 * when {@code tensor} is set.
 */
record ShapeRef(Shape type, String expr, boolean tensor) {
  ShapeRef(Shape type, String expr) {
    this(type, expr, false);
  }

  int rank() {
    return type.rank();
  }

  boolean isStatic() {
    return type.isStatic();
  }

  /** Java int expression for dim i. */
  String dim(int i) {
    Dim d = type.dim(i);
    if (d.isFixed()) {
      return Long.toString(d.size());
    }
    return tensor ? expr + ".dim(" + i + ")" : expr + "[" + i + "]";
  }

  /** Java int[] expression for the whole shape. */
  String array() {
    if (isStatic()) {
      StringBuilder sb = new StringBuilder("new int[] {");
      for (int i = 0; i < rank(); i++) {
        sb.append(i == 0 ? "" : ", ").append(type.dim(i).size());
      }
      return sb.append("}").toString();
    }
    return tensor ? expr + ".shape()" : expr;
  }

  /** Java int expression for the element count. */
  String numel() {
    if (isStatic()) {
      long n = 1;
      for (int i = 0; i < rank(); i++) {
        n *= type.dim(i).size();
      }
      return Long.toString(n);
    }
    return tensor ? expr + ".size()" : "CpuRuntime.numel(" + expr + ")";
  }
}
