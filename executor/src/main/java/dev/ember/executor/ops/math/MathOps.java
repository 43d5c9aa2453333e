package dev.ember.executor.ops.math;

import dev.ember.executor.ops.OpDef;
import java.util.List;

/** Elementwise arithmetic, comparison, logic, activation and conversion ops. */
public final class MathOps {
  private MathOps() {}

  public static List<OpDef> all() {
    return List.of(
        new AddOp(),
        new SubOp(),
        new MulOp(),
        new DivOp(),
        new PowOp(),
        new SqrtOp(),
        new ExpOp(),
        new LogOp(),
        new ErfOp(),
        new NegOp(),
        new ReluOp(),
        new SigmoidOp(),
        new TanhOp(),
        new GeluOp(),
        new ClipOp(),
        new SumOp(),
        new MaxOp(),
        new MinOp(),
        new WhereOp(),
        new EqualOp(),
        new LessOp(),
        new GreaterOp(),
        new AndOp(),
        new NotOp(),
        new CastOp(),
        new IdentityOp());
  }
}
