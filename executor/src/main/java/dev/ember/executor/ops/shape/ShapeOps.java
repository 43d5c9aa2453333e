package dev.ember.executor.ops.shape;

import dev.ember.executor.ops.OpDef;
import java.util.List;

/** Ops that move, select or describe data without arithmetic. */
public final class ShapeOps {
  private ShapeOps() {}

  public static List<OpDef> all() {
    return List.of(
        new ConcatOp(),
        new ConstantOfShapeOp(),
        new ConstantOp(),
        new ExpandOp(),
        new FlattenOp(),
        new GatherOp(),
        new RangeOp(),
        new ReshapeOp(),
        new ShapeOp(),
        new SliceOp(),
        new SqueezeOp(),
        new TileOp(),
        new TransposeOp(),
        new UnsqueezeOp());
  }
}
