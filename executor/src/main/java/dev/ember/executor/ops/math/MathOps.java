package dev.ember.executor.ops.math;

import dev.ember.executor.ops.OpDef;
import java.util.List;

/** Elementwise arithmetic, comparison and activation ops. */
public final class MathOps {
  private MathOps() {}

  public static List<OpDef> all() {
    return List.of(new AddOp());
  }
}
