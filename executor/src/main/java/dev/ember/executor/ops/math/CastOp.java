package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Cast}: converts elements to the type named by {@code to}, between every type Ember
 * holds (see {@link Conversions} for the rules). {@code saturate} only affects float8 targets,
 * which Ember does not hold, so it is ignored; a {@code to} Ember cannot hold fails clearly.
 */
final class CastOp implements OpDef, FusedElementwise {
  static final OpSpec SPEC =
      OpSpec.of("Cast")
          .since(6, 9, 13, 19, 21, 23, 24, 25)
          .types(Numeric.ALL)
          .summary("convert to the element type 'to'")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    DType to = target(ctx.attrs());
    TensorType in = ctx.type(0);
    return Infer.one(new TensorType(to, in == null ? Shape.unknownRank() : in.shape()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(Conversions.cast(ctx.required(0), target(ctx.attrs())));
  }

  /** The {@code to} attribute as a type Ember holds, or an UNSUPPORTED_DTYPE error naming it. */
  static DType target(Attributes attrs) {
    if (!attrs.has("to")) {
      throw OpException.attribute("Cast has no 'to' attribute, which ONNX requires");
    }
    long code = attrs.getInt("to", 0);
    for (DType t : DType.values()) {
      if (t.onnxCode() == code) {
        return t;
      }
    }
    String name = code == (int) code ? DType.onnxName((int) code) : "DataType(" + code + ")";
    throw OpException.dtype(
        "Cast to "
            + name
            + " is not supported: Ember does not hold "
            + name
            + " tensors (it "
            + "holds "
            + MathTypes.names(Numeric.ALL)
            + ")");
  }

  @Override
  public int arity(Node n) {
    return 1;
  }

  /** Any number or bool converts to the loop's float; other element types use the kernel. */
  @Override
  public boolean takesOperand(Graph g, Node n, int i, DType t) {
    return switch (t) {
      case FLOAT, DOUBLE, BOOL, INT64, INT32, INT8, INT16, UINT8 -> true;
      default -> false;
    };
  }

  @Override
  public String javaExpression(FusedOperands x) {
    DType from = x.type(0);
    if (from == DType.BOOL) {
      return x.in(0) + " ? 1f : 0f";
    }
    return from == DType.FLOAT ? x.in(0) : "(float) " + x.in(0);
  }

  @Override
  public String cudaExpression(FusedOperands x) {
    return x.type(0) == DType.BOOL ? "(" + x.in(0) + " ? 1.0f : 0.0f)" : "(float) " + x.in(0);
  }
}
