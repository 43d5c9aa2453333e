package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code ConstantOfShape}: a tensor of the shape given by input 0 (1-D int64) with every
 * element equal to the one-element {@code value} attribute (default float 0). An empty shape input
 * ([] of length 0) gives a scalar, as the spec says; a shape containing 0 gives an empty tensor.
 */
final class ConstantOfShapeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("ConstantOfShape")
          .since(9, 20, 21, 23, 24, 25)
          .types(EnumSet.complementOf(EnumSet.of(DType.STRING)))
          .summary("a tensor of a given shape filled with one value")
          .build();

  private static final Tensor DEFAULT = Tensor.scalarFloat(0f);

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    DType t = value(ctx.attrs().getTensor("value")).dtype();
    IntArg shape = IntArg.input(ctx, 0, "input");
    if (shape.known()) {
      List<Dim> dims = new ArrayList<>();
      for (long d : shape.values()) {
        if (d < 0) {
          throw OpException.shapes("shape has negative dim " + d);
        }
        dims.add(Dim.fixed(d));
      }
      return Infer.one(Dims.type(t, dims));
    }
    Shape s = shape.length() >= 0 ? Shape.of(Dims.fresh(ctx, shape.length())) : Shape.unknownRank();
    return Infer.one(new TensorType(t, s));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor v = value(ctx.attrs().getTensor("value"));
    int[] shape =
        Elements.checkedShape(IntArg.values(ctx.required(0), "input"), "ConstantOfShape shape");
    int n = Elements.product(shape, 0, shape.length);
    Object data = Elements.alloc(v.dtype(), n);
    Elements.fill(data, 0, n, v.rawData(), 0);
    return List.of(Elements.wrap(v.dtype(), shape, data));
  }

  private static Tensor value(Tensor attr) {
    if (attr == null) {
      return DEFAULT;
    }
    if (attr.size() != 1) {
      throw OpException.attribute(
          "'value' must hold exactly one element, it has shape "
              + java.util.Arrays.toString(attr.shape()));
    }
    return attr;
  }
}
