package dev.ember.executor.ops.nn;

import dev.ember.executor.ops.OpDef;
import java.util.List;

/** Matrix products, reductions and normalisations. */
public final class NnOps {
  private NnOps() {}

  public static List<OpDef> all() {
    return List.of(
        new MatMulOp(),
        new GemmOp(),
        new ReduceMeanOp(),
        new ReduceSumOp(),
        new SoftmaxOp(),
        new LayerNormalizationOp());
  }
}
