package dev.ember.executor.ops;

import java.util.ArrayList;
import java.util.List;

/** Collects each op family's list; one line per family keeps families independent. */
final class OpFamilies {
  private OpFamilies() {}

  static List<OpDef> all() {
    List<OpDef> ops = new ArrayList<>();
    ops.addAll(dev.ember.executor.ops.math.MathOps.all());
    ops.addAll(dev.ember.executor.ops.shape.ShapeOps.all());
    ops.addAll(dev.ember.executor.ops.nn.NnOps.all());
    ops.addAll(dev.ember.executor.ops.quant.QuantOps.all());
    ops.addAll(dev.ember.executor.ops.ml.MlOps.all());
    return ops;
  }
}
